export * from './demo-service';
export * from './knobs';
export * from './propagation';
export * from './demo-grpc-service';
