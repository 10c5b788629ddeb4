import { hostname } from 'node:os';
import { type DynamicsConfig, readDynamicsConfig } from '@peer-mentor/dynamics-client';
import { Cron } from 'croner';
import { z } from 'zod';
import type { SendPace } from './jobs/dispatch-outbox/index.js';

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
  /**
   * Requests per second every dispatcher process together may send (0: no pacing), the burst
   * after a quiet period, and how long the rate takes to climb back after a 429. Defaults keep
   * any 5-minute window at 3,600 + 4 × 300 = 4,800 requests, 80% of Dataverse's 6,000.
   */
  DISPATCH_RATE_PER_SECOND: z.preprocess(unset, z.coerce.number().min(0).max(1000).default(4)),
  DISPATCH_RATE_BURST: integer(1, 100_000, 3_600),
  DISPATCH_RATE_RAMP_SECONDS: integer(1, 86_400, 300),
  /** Names this dispatcher in claims (claimed_by); default <host>:<pid>. */
  DISPATCH_CLAIMANT: optional(z.string().min(1).max(200)),
  /** When the long-running process starts the nightly jobs (croner pattern). */
  SCHEDULER_NIGHTLY_CRON: z.preprocess(unset, z.string().min(1).default('15 2 * * *')),
  /** The time zone SCHEDULER_NIGHTLY_CRON is read in (run dates follow each organization's). */
  SCHEDULER_TIME_ZONE: z.preprocess(unset, z.string().min(1).default('Europe/Oslo')),
  /** Mentors (or outbox events) per batch; each batch is one transaction. */
  SCHEDULER_BATCH_SIZE: integer(1, 2000, 500),
  /** Delivered outbox events older than this many days are purged. */
  SCHEDULER_OUTBOX_RETENTION_DAYS: integer(1, 3650, 30),
  /** The long-running process sends due outbox events this often. */
  SCHEDULER_DISPATCH_EVERY_SECONDS: integer(1, 3600, 15),
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
  /** The request pace shared through the database; undefined when switched off. */
  pace: SendPace | undefined;
}

export interface NightlySettings {
  /** croner pattern of the nightly start, read in `timeZone`. */
  cron: string;
  timeZone: string;
  batchSize: number;
  outboxRetentionDays: number;
  /** Seconds between outbox dispatch rounds in the long-running process. */
  dispatchEverySeconds: number;
}

export interface SchedulerEnv {
  databaseUrl: string | undefined;
  dispatch: DispatchSettings;
  nightly: NightlySettings;
  dynamics: DynamicsConfig;
}

export function readSchedulerEnv(source: NodeJS.ProcessEnv = process.env): SchedulerEnv {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    throw new Error(`invalid scheduler configuration: ${z.prettifyError(parsed.error)}`);
  }
  const env = parsed.data;
  try {
    const probe = new Cron(env.SCHEDULER_NIGHTLY_CRON, {
      paused: true,
      timezone: env.SCHEDULER_TIME_ZONE,
    });
    probe.nextRun();
    probe.stop();
  } catch (error) {
    throw new Error(
      `invalid scheduler configuration: SCHEDULER_NIGHTLY_CRON / SCHEDULER_TIME_ZONE: ${(error as Error).message}`,
    );
  }
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
      pace:
        env.DISPATCH_RATE_PER_SECOND > 0
          ? {
              maxRatePerSecond: env.DISPATCH_RATE_PER_SECOND,
              burst: env.DISPATCH_RATE_BURST,
              rampSeconds: env.DISPATCH_RATE_RAMP_SECONDS,
            }
          : undefined,
    },
    nightly: {
      cron: env.SCHEDULER_NIGHTLY_CRON,
      timeZone: env.SCHEDULER_TIME_ZONE,
      batchSize: env.SCHEDULER_BATCH_SIZE,
      outboxRetentionDays: env.SCHEDULER_OUTBOX_RETENTION_DAYS,
      dispatchEverySeconds: env.SCHEDULER_DISPATCH_EVERY_SECONDS,
    },
    dynamics,
  };
}
