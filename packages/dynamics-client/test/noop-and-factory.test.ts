import { describe, expect, it } from 'vitest';
import {
  createDynamicsPortalClient,
  DataverseWebApiClient,
  type Logger,
  NoopPortalClient,
  readDynamicsConfig,
} from '../src/index.js';
import { statusChange } from './support/changes.js';

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (message) => lines.push(`info ${message}`),
    warn: (message) => lines.push(`warn ${message}`),
    error: (message) => lines.push(`error ${message}`),
  };
}

describe('the no-op adapter (sync switched off)', () => {
  it('skips every push, says so in the log once, and never throws', async () => {
    const logger = recordingLogger();
    const client = new NoopPortalClient({ logger });
    const outcomes = await Promise.all(
      [1, 2, 3].map((version) => client.pushStatusChange(statusChange('m', version))),
    );
    expect(outcomes).toEqual(
      [1, 2, 3].map(() => ({ outcome: 'skipped', reason: 'Dynamics sync is switched off' })),
    );
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatch(/^info Dynamics sync is switched off/);
  });

  it('reports its health as skipped', async () => {
    await expect(
      new NoopPortalClient({ logger: recordingLogger() }).checkHealth(),
    ).resolves.toEqual({
      adapter: 'noop',
      status: 'skipped',
      detail: 'Dynamics sync is switched off',
    });
  });
});

describe('createDynamicsPortalClient', () => {
  it('picks the no-op adapter when DYNAMICS_SYNC_ENABLED is not set', () => {
    const client = createDynamicsPortalClient(readDynamicsConfig({}), {
      logger: recordingLogger(),
    });
    expect(client).toBeInstanceOf(NoopPortalClient);
    expect(client.adapter).toBe('noop');
  });

  it('picks the Dataverse adapter when sync is switched on, with the configured cap', () => {
    const client = createDynamicsPortalClient(
      readDynamicsConfig({
        DYNAMICS_SYNC_ENABLED: 'true',
        DYNAMICS_BASE_URL: 'https://contoso.crm4.dynamics.com',
        DYNAMICS_TENANT_ID: 'tenant',
        DYNAMICS_CLIENT_ID: 'client',
        DYNAMICS_CLIENT_SECRET: 'secret',
        DYNAMICS_MAX_CONCURRENCY: '4',
      }),
      { logger: recordingLogger() },
    );
    expect(client).toBeInstanceOf(DataverseWebApiClient);
    expect((client as DataverseWebApiClient).concurrency.limit).toBe(4);
  });
});
