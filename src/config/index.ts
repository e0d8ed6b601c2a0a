export * from './config.js';
export * from './key-files.js';
