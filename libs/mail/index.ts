export * from './mail-renderer';
export * from './mail-transport';
