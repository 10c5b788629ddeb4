export * from './calendar.js';
export * from './claims.js';
export * from './enums.js';
export * from './errors.js';
export * from './memberships.js';
export * from './operations.js';
export * from './rpc.js';
