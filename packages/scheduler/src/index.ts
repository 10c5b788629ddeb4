export { type DispatchSettings, readSchedulerEnv, type SchedulerEnv } from './env.js';
export { type DispatchCommandOptions, runDispatchCommand } from './hosts/node/dispatch.js';
export * from './jobs/dispatch-outbox/index.js';
