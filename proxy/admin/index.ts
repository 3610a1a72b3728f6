export { AdminServer } from './admin-server';
export type { AdminDeps } from './admin-server';
