export {
  type BatchReport,
  batchLogFields,
  databaseJobName,
  type InvocationLimits,
  type InvocationResult,
  type InvocationSettings,
  isNightlyJob,
  type NightlyJob,
  nightlyJobs,
  type RunSnapshot,
  runInvocation,
  type SqlClient,
  type SystemTransaction,
  takeStep,
} from './invocation.ts';
export { listRecentRuns, type RunSummaryRow } from './runs.js';
