export * from './adapters/dataverse/index.js';
export { NoopPortalClient } from './adapters/noop/noop-client.js';
export { type DataverseConfig, type DynamicsConfig, readDynamicsConfig } from './env.js';
export {
  AccessDeniedError,
  CircuitOpenError,
  ConfigurationError,
  DivergenceError,
  DynamicsClientError,
  type DynamicsErrorKind,
  isBackPressure,
  isDynamicsClientError,
  needsOperator,
  ThrottledError,
} from './errors.js';
export { createDynamicsPortalClient, type DynamicsClientDependencies } from './factory.js';
export { jsonLineLogger, type Logger, silentLogger } from './logger.js';
export type {
  CircuitState,
  DynamicsPortalClient,
  HealthReport,
  PeerMentorStatusChange,
  PushOptions,
  PushOutcome,
} from './portal-client.js';
export { type BackoffPolicy, jitteredBackoff } from './resilience/backoff.js';
export { type Clock, systemClock } from './resilience/clock.js';
