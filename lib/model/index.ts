export * from './mesh-model';
export * from './gateway-attachments';
