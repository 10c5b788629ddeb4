export {
  type DispatchSettings,
  type NightlySettings,
  readSchedulerEnv,
  type SchedulerEnv,
} from './env.js';
export {
  createNightlyHandler,
  type NightlyConnection,
  type NightlyFunctionConfig,
  type NightlyResponse,
  readNightlyFunctionConfig,
  systemTransactions,
} from './hosts/edge-function/handler.ts';
export {
  createDispatcher,
  type DispatchCommandOptions,
  runDispatchCommand,
} from './hosts/node/dispatch.js';
export {
  hostLabel,
  type NightlyRunRequest,
  newInvocation,
  poolSystemTransactions,
  runNightlyJobs,
} from './hosts/node/nightly.js';
export { createProgressDisplay, describeRun, type ProgressDisplay } from './hosts/node/progress.js';
export {
  type SchedulerService,
  type SchedulerServiceOptions,
  startSchedulerService,
} from './hosts/node/service.js';
export * from './jobs/dispatch-outbox/index.js';
export * from './jobs/nightly/index.js';
