export * from './signed-ids';
