export * from './app-error.js';
export * from './errors.js';
export * from './http-mapping.js';
export * from './kms-mapping.js';
export * from './aws-errors.js';
