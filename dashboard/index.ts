export * from './assets';
export * from './build-page';
