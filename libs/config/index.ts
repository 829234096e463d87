export * from './config';
export * from './config.module';
export type { DkimKey } from './dkim';
