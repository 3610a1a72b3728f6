export * from './api';
export * from './crd';
export * from './validation';
export * from './naming';
export * from './model';
export * from './manifests';
export * from './telemetry';
export * from './canary';
