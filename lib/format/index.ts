export * from './text-table';
