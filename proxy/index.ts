export { AdminServer } from './admin';
export { loadBootstrapFile, parseBootstrap } from './bootstrap';
export type { Bootstrap, BootstrapInput } from './bootstrap';
export { ConfigError, ErrorCode, ProxyError } from './errors';
export { Proxy } from './proxy';
export type { ProxyOptions } from './proxy';
