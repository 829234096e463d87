export * from './request-context';
export * from './current-tenant.decorator';
