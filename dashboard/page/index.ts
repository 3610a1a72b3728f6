// The page's parts; app.ts, which wires them and starts polling, is the bundle's entry and not exported.
export * from './api';
export * from './canaries-view';
export * from './dom';
export * from './graph-style';
export * from './graph-view';
export * from './proxies-view';
export * from './service-panel';
export * from './test-hook';
export * from './text-alternative';
