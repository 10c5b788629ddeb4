export {
  captureFromJson,
  type ExplainCapture,
  explain,
  type PlanNode,
  summarizePlan,
  walkPlan,
} from './explain.js';
export {
  atLeast,
  atMost,
  latencyMetrics,
  type Metric,
  meetsTarget,
  metric,
  type RatioParts,
  ratioMetric,
  type Target,
  type Unit,
} from './metrics.js';
export { createProgress, type Progress } from './progress.js';
export {
  type GitFacts,
  gitFacts,
  loadAverage,
  type MachineFacts,
  machineFacts,
  POSTGRES_SETTINGS,
  type PostgresFacts,
  postgresFacts,
} from './provenance.js';
export type { Queryable } from './queryable.js';
export {
  type BenchReport,
  benchReportFile,
  formatHeading,
  type Provenance,
  repoRoot,
  writeJsonReport,
} from './report.js';
export { BenchRun, type BenchRunOptions, type FinishOptions, startBench } from './run.js';
export { countResults, type ScenarioFigures, type ScenarioReport } from './scenario.js';
export { type LatencySummary, percentile, summarizeLatencies } from './stats.js';
export {
  formatResult,
  formatResultsTable,
  formatTable,
  formatTarget,
  formatValue,
} from './table.js';
