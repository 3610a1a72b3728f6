export * from './annotations';
export * from './injection-config';
export * from './injection-decision';
export * from './inject-sidecar';
export * from './pod';
export * from './proxy-bootstrap';
export * from './sidecar';
export * from './traffic-capture';
