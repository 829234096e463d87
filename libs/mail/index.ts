export * from './mail-renderer';
export * from './mail-transport';
export * from './dev-inbox';
