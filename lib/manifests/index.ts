export * from './read-manifests';
export * from './read-mesh-dir';
