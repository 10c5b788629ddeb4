export {
  AUTHENTICATOR_ROLE,
  authenticatorUrl,
  setAuthenticatorPassword,
} from './authenticator.js';
export {
  anonClaims,
  type CallerTransactionOptions,
  callerTransactionBegin,
  type JwtClaims,
  serviceRoleClaims,
  sqlLiteral,
  userClaims,
  withCaller,
} from './caller.js';
export { type CreateDbOptions, createDb, type Db, type PeerMentorDatabase } from './client.js';
export {
  type DemoUser,
  demoId,
  demoOrganizations,
  demoPassword,
  demoUsers,
  loadDemoData,
} from './demo/demo-data.js';
export { readEnv } from './env.js';
export {
  applyPlatformLayer,
  cliDatabaseUrl,
  type Logger,
  migrate,
  pushMigrations,
  runSupabaseCli,
  supabaseCliEntry,
} from './migrate.js';
export { findPostgresBinaries, type PostgresBinaries } from './postgres/binaries.js';
export {
  type EmbeddedServer,
  type EmbeddedServerOptions,
  startEmbeddedServer,
} from './postgres/embedded.js';
export { SHARED_STATE_ROOT } from './postgres/embedded-binaries.js';
export {
  freeLoopbackPort,
  type LocalCluster,
  startLocalCluster,
} from './postgres/local-cluster.js';
export { reachableForServer } from './postgres/service-user.js';
export * from './schema.js';
export { liftStatusTransitionLimit } from './transition-limit.js';
