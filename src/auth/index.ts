export * from './passwords.js';
export * from './principal.js';
export * from './secret-box.js';
export * from './tokens.js';
export * from './user-state.js';
