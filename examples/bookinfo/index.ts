export * from './bookinfo-mesh';
