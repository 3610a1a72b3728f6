export * from './names';
export * from './control-plane';
