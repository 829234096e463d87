export * from './types';
export * from './geo';
export * from './area';
export * from './fuzz';
export * from './geocoder';
