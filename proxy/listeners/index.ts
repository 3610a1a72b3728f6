export { isHttp2Preface, isTlsClientHello, peekFirstChunk, replayingDuplex } from './first-bytes';
export { ListenerManager } from './listener-manager';
export { ListenerRuntime } from './listener-runtime';
export type { ListenerDeps } from './listener-runtime';
