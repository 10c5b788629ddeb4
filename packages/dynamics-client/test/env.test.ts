import { describe, expect, it } from 'vitest';
import { defaultEntityMapping, readDynamicsConfig } from '../src/index.js';

const enabled = {
  DYNAMICS_SYNC_ENABLED: 'true',
  DYNAMICS_BASE_URL: 'https://contoso.crm4.dynamics.com/',
  DYNAMICS_TENANT_ID: 'f0e1d2c3-0000-4000-8000-000000000001',
  DYNAMICS_CLIENT_ID: 'a0b1c2d3-0000-4000-8000-000000000002',
  DYNAMICS_CLIENT_SECRET: 'secret',
};

describe('readDynamicsConfig', () => {
  it('is switched off unless DYNAMICS_SYNC_ENABLED is true or 1', () => {
    expect(readDynamicsConfig({})).toEqual({ enabled: false });
    expect(readDynamicsConfig({ DYNAMICS_SYNC_ENABLED: '' })).toEqual({ enabled: false });
    expect(readDynamicsConfig({ DYNAMICS_SYNC_ENABLED: 'false' })).toEqual({ enabled: false });
    expect(readDynamicsConfig({ ...enabled, DYNAMICS_SYNC_ENABLED: '1' }).enabled).toBe(true);
  });

  it('rejects a flag value it does not understand instead of guessing', () => {
    expect(() => readDynamicsConfig({ DYNAMICS_SYNC_ENABLED: 'yes' })).toThrow(
      /DYNAMICS_SYNC_ENABLED/,
    );
  });

  it('fills in the documented defaults', () => {
    const config = readDynamicsConfig(enabled);
    expect(config).toEqual({
      enabled: true,
      dataverse: {
        baseUrl: 'https://contoso.crm4.dynamics.com',
        apiVersion: 'v9.2',
        tenantId: enabled.DYNAMICS_TENANT_ID,
        clientId: enabled.DYNAMICS_CLIENT_ID,
        clientSecret: 'secret',
        authorityHost: 'https://login.microsoftonline.com',
        scope: 'https://contoso.crm4.dynamics.com/.default',
        authorityMetadata: undefined,
        mapping: defaultEntityMapping,
        createMissingRecords: false,
        maxConcurrency: 8,
        requestTimeoutMs: 10_000,
        maxRetries: 2,
        retryBaseDelayMs: 500,
        retryMaxDelayMs: 8_000,
        maxThrottleWaitMs: 30_000,
        circuitFailureThreshold: 5,
        circuitCooldownMs: 30_000,
        refusalPauseMs: 300_000,
      },
    });
  });

  it('creates missing CRM records only when DYNAMICS_CREATE_MISSING_RECORDS says so', () => {
    const read = (value?: string) => {
      const config = readDynamicsConfig({ ...enabled, DYNAMICS_CREATE_MISSING_RECORDS: value });
      return config.enabled && config.dataverse.createMissingRecords;
    };
    expect([read(undefined), read(''), read('false'), read('true'), read('1')]).toEqual([
      false,
      false,
      false,
      true,
      true,
    ]);
    expect(() => read('yes')).toThrow(/DYNAMICS_CREATE_MISSING_RECORDS/);
  });

  it('names every missing credential when sync is switched on', () => {
    expect(() =>
      readDynamicsConfig({ DYNAMICS_SYNC_ENABLED: 'true', DYNAMICS_CLIENT_ID: 'x' }),
    ).toThrow(
      'DYNAMICS_SYNC_ENABLED is true but DYNAMICS_BASE_URL, DYNAMICS_TENANT_ID, DYNAMICS_CLIENT_SECRET are not set',
    );
  });

  it('takes the entity mapping from the environment and refuses names that are not logical names', () => {
    const config = readDynamicsConfig({
      ...enabled,
      DYNAMICS_ENTITY_SET: 'hlf_peermentors',
      DYNAMICS_ALTERNATE_KEY: 'hlf_appmentorid',
      DYNAMICS_FIELD_STATUS: 'hlf_status',
    });
    expect(config.enabled && config.dataverse.mapping).toMatchObject({
      entitySet: 'hlf_peermentors',
      alternateKey: 'hlf_appmentorid',
      fields: { status: 'hlf_status', version: 'pm_pausestatusversion' },
    });
    expect(() =>
      readDynamicsConfig({ ...enabled, DYNAMICS_ENTITY_SET: "contacts')?$x=(" }),
    ).toThrow(/DYNAMICS_ENTITY_SET/);
  });

  it('keeps the concurrency cap well under the service-protection limit of 52', () => {
    expect(() => readDynamicsConfig({ ...enabled, DYNAMICS_MAX_CONCURRENCY: '52' })).toThrow(
      /DYNAMICS_MAX_CONCURRENCY/,
    );
    const config = readDynamicsConfig({ ...enabled, DYNAMICS_MAX_CONCURRENCY: '25' });
    expect(config.enabled && config.dataverse.maxConcurrency).toBe(25);
  });
});
