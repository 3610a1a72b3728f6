export { proxyTcp } from './tcp-proxy';
