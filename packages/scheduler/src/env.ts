import { hostname } from 'node:os';
import { type DynamicsConfig, readDynamicsConfig } from '@peer-mentor/dynamics-client';
import { z } from 'zod';

// The scheduler's environment, parsed in one place: nothing else in the package reads
// process.env. The DYNAMICS_* variables belong to @peer-mentor/dynamics-client's parser.

const unset = (value: unknown) => (value === '' ? undefined : value);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(unset, schema.optional());
const integer = (min: number, max: number, fallback: number) =>
  z.preprocess(unset, z.coerce.number().int().min(min).max(max).default(fallback));

const EnvSchema = z.object({
  /** The database holding the outbox (a direct connection; the dispatcher acts as service_role). */
  DATABASE_URL: optional(z.url()),
  /** Events sent at once; default: DYNAMICS_MAX_CONCURRENCY (8). */
  DISPATCH_CONCURRENCY: optional(z.coerce.number().int().min(1).max(25)),
  /** Events claimed per round trip; default: the concurrency. */
  DISPATCH_BATCH_SIZE: optional(z.coerce.number().int().min(1).max(1000)),
  /** How long a claim is held; another dispatcher takes over an event after it. */
  DISPATCH_LEASE_SECONDS: integer(10, 3600, 120),
  /** A failed attempt beyond this many parks the event. */
  DISPATCH_MAX_ATTEMPTS: integer(1, 100, 12),
  DISPATCH_RETRY_BASE_MS: integer(1, 3_600_000, 5_000),
  DISPATCH_RETRY_MAX_MS: integer(1, 86_400_000, 15 * 60_000),
  /** Watch mode: pause between rounds when nothing is due. */
  DISPATCH_IDLE_DELAY_MS: integer(10, 600_000, 2_000),
  /** Names this dispatcher in claims (claimed_by); default <host>:<pid>. */
  DISPATCH_CLAIMANT: optional(z.string().min(1).max(200)),
});

export interface DispatchSettings {
  concurrency: number;
  batchSize: number;
  leaseSeconds: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  idleDelayMs: number;
  claimant: string;
}

export interface SchedulerEnv {
  databaseUrl: string | undefined;
  dispatch: DispatchSettings;
  dynamics: DynamicsConfig;
}

export function readSchedulerEnv(source: NodeJS.ProcessEnv = process.env): SchedulerEnv {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    throw new Error(`invalid scheduler configuration: ${z.prettifyError(parsed.error)}`);
  }
  const env = parsed.data;
  const dynamics = readDynamicsConfig(source);
  const concurrency =
    env.DISPATCH_CONCURRENCY ?? (dynamics.enabled ? dynamics.dataverse.maxConcurrency : 8);
  return {
    databaseUrl: env.DATABASE_URL,
    dispatch: {
      concurrency,
      batchSize: env.DISPATCH_BATCH_SIZE ?? concurrency,
      leaseSeconds: env.DISPATCH_LEASE_SECONDS,
      maxAttempts: env.DISPATCH_MAX_ATTEMPTS,
      retryBaseMs: env.DISPATCH_RETRY_BASE_MS,
      retryMaxMs: env.DISPATCH_RETRY_MAX_MS,
      idleDelayMs: env.DISPATCH_IDLE_DELAY_MS,
      claimant: env.DISPATCH_CLAIMANT ?? `${hostname()}:${process.pid}`,
    },
    dynamics,
  };
}
