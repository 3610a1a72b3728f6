export * from './finding';
export * from './validate-resource';
export * from './cross-checks';
export { crossNamespaceCertificates, type UnplacedFinding } from './gateway-checks';
