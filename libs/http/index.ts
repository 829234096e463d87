export * from './problem';
export * from './problem.filter';
export * from './validation';
export * from './cursor';
export * from './paging';
export * from './input-guard';
export * from './trimmed';
