export * from './geo';
export * from './fuzz';
