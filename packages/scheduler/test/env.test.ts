import { describe, expect, it } from 'vitest';
import { readSchedulerEnv } from '../src/index.js';

const dynamicsOn = {
  DYNAMICS_SYNC_ENABLED: 'true',
  DYNAMICS_BASE_URL: 'https://contoso.crm4.dynamics.com',
  DYNAMICS_TENANT_ID: 'tenant',
  DYNAMICS_CLIENT_ID: 'client',
  DYNAMICS_CLIENT_SECRET: 'secret',
};

describe('readSchedulerEnv', () => {
  it('has the documented dispatch defaults, with sync switched off unless configured', () => {
    const env = readSchedulerEnv({
      DATABASE_URL: 'postgres://localhost/app',
      DISPATCH_CLAIMANT: 'worker-1',
    });
    expect(env).toEqual({
      databaseUrl: 'postgres://localhost/app',
      dispatch: {
        concurrency: 8,
        batchSize: 8,
        leaseSeconds: 120,
        maxAttempts: 12,
        retryBaseMs: 5_000,
        retryMaxMs: 900_000,
        idleDelayMs: 2_000,
        claimant: 'worker-1',
        pace: { maxRatePerSecond: 4, burst: 3_600, rampSeconds: 300 },
      },
      nightly: {
        cron: '15 2 * * *',
        timeZone: 'Europe/Oslo',
        batchSize: 500,
        outboxRetentionDays: 30,
        dispatchEverySeconds: 15,
      },
      dynamics: { enabled: false },
    });
  });

  it('reads the nightly schedule and batch settings, and refuses a schedule croner cannot run', () => {
    expect(
      readSchedulerEnv({
        SCHEDULER_NIGHTLY_CRON: '0 3 * * *',
        SCHEDULER_TIME_ZONE: 'UTC',
        SCHEDULER_BATCH_SIZE: '200',
        SCHEDULER_OUTBOX_RETENTION_DAYS: '90',
        SCHEDULER_DISPATCH_EVERY_SECONDS: '5',
      }).nightly,
    ).toEqual({
      cron: '0 3 * * *',
      timeZone: 'UTC',
      batchSize: 200,
      outboxRetentionDays: 90,
      dispatchEverySeconds: 5,
    });
    expect(() => readSchedulerEnv({ SCHEDULER_NIGHTLY_CRON: '61 2 * * *' })).toThrow(
      /SCHEDULER_NIGHTLY_CRON/,
    );
    expect(() => readSchedulerEnv({ SCHEDULER_TIME_ZONE: 'Mars/Olympus_Mons' })).toThrow(
      /SCHEDULER_TIME_ZONE/,
    );
    expect(() => readSchedulerEnv({ SCHEDULER_BATCH_SIZE: '5000' })).toThrow(
      /SCHEDULER_BATCH_SIZE/,
    );
  });

  it('sends as many events at once as the Dynamics client may have requests in flight', () => {
    const env = readSchedulerEnv({ ...dynamicsOn, DYNAMICS_MAX_CONCURRENCY: '5' });
    expect(env.dispatch).toMatchObject({ concurrency: 5, batchSize: 5 });
    expect(
      readSchedulerEnv({ ...dynamicsOn, DISPATCH_CONCURRENCY: '3' }).dispatch.concurrency,
    ).toBe(3);
  });

  it('paces every dispatcher within 80% of the service protection limit by default, and not at all at rate 0', () => {
    const { pace } = readSchedulerEnv({}).dispatch;
    // Any 5-minute window: the burst plus 300 s at the rate.
    expect(pace!.burst + pace!.maxRatePerSecond * 300).toBe(4_800);
    expect(readSchedulerEnv({ DISPATCH_RATE_PER_SECOND: '0' }).dispatch.pace).toBeUndefined();
    expect(
      readSchedulerEnv({ DISPATCH_RATE_PER_SECOND: '2.5', DISPATCH_RATE_BURST: '100' }).dispatch
        .pace,
    ).toEqual({ maxRatePerSecond: 2.5, burst: 100, rampSeconds: 300 });
    expect(() => readSchedulerEnv({ DISPATCH_RATE_PER_SECOND: 'fast' })).toThrow(
      /DISPATCH_RATE_PER_SECOND/,
    );
  });

  it('names the claimant after the host and process by default', () => {
    expect(readSchedulerEnv({}).dispatch.claimant).toMatch(new RegExp(`:${process.pid}$`));
  });

  it('rejects values outside their bounds, naming the variable', () => {
    expect(() => readSchedulerEnv({ DISPATCH_LEASE_SECONDS: '5' })).toThrow(
      /DISPATCH_LEASE_SECONDS/,
    );
    expect(() => readSchedulerEnv({ DISPATCH_MAX_ATTEMPTS: 'many' })).toThrow(
      /DISPATCH_MAX_ATTEMPTS/,
    );
    expect(() => readSchedulerEnv({ DYNAMICS_SYNC_ENABLED: 'true' })).toThrow(/DYNAMICS_BASE_URL/);
  });
});
