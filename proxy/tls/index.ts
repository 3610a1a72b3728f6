export { serverSecureContext } from './secure-contexts';
