export * from './api-permissions';
export * from './controller-permissions';
export * from './bootstrap-permissions';
export * from './debug-access';
