export * from './finding';
export * from './validate-resource';
export * from './cross-checks';
export { refuseForeignCertificates } from './gateway-checks';
