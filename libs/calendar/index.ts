export * from './ics';
export * from './paris-time';
