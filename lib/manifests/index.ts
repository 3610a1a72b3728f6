export * from './read-manifests';
