export * from './claims.js';
export * from './enums.js';
export * from './errors.js';
