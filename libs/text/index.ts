export * from './slug';
export * from './french-format';
