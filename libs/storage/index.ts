export * from './image-store';
export * from './image-normaliser';
