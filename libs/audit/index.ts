export * from './audit.repository';
export * from './audit.module';
