export * from './request-context';
export * from './current-tenant.decorator';
export * from './tenant-id';
