export { loadBootstrapFile, nodeMetadata, parseBootstrap } from './bootstrap';
export type { Bootstrap, BootstrapInput } from './bootstrap';
