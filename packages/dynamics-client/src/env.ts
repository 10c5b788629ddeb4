import { z } from 'zod';
import {
  type DataverseEntityMapping,
  defaultEntityMapping,
  LOGICAL_NAME,
} from './adapters/dataverse/entity-mapping.js';

// The Dynamics client's configuration, parsed from the environment in one place: nothing else
// in the package reads process.env. Every variable and default is listed in the README.

/** An unset variable and an empty one mean the same: not configured. */
const unset = (value: unknown) => (value === '' ? undefined : value);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(unset, schema.optional());
const withDefault = <T extends z.ZodType>(schema: T, fallback: z.input<T>) =>
  z.preprocess(unset, schema.default(fallback as never));
const integer = (min: number, max: number, fallback: number) =>
  withDefault(z.coerce.number().int().min(min).max(max), fallback);
/** `true`/`1` or `false`/`0`; anything else is refused rather than guessed. */
const flag = () =>
  withDefault(z.enum(['true', 'false', '1', '0']), 'false').transform(
    (value) => value === 'true' || value === '1',
  );
const logicalName = (fallback: string) =>
  withDefault(z.string().regex(LOGICAL_NAME, 'must be a Dataverse logical name'), fallback);

const EnvSchema = z.object({
  /** `true` sends status changes to Dataverse; anything else keeps them in the outbox. */
  DYNAMICS_SYNC_ENABLED: flag(),
  /** The environment URL, e.g. https://contoso.crm4.dynamics.com. */
  DYNAMICS_BASE_URL: optional(z.url()),
  DYNAMICS_API_VERSION: withDefault(z.string().regex(/^v\d+\.\d+$/), 'v9.2'),
  /** Microsoft Entra ID tenant and the app registration allowed into the environment. */
  DYNAMICS_TENANT_ID: optional(z.string().min(1)),
  DYNAMICS_CLIENT_ID: optional(z.string().min(1)),
  DYNAMICS_CLIENT_SECRET: optional(z.string().min(1)),
  DYNAMICS_AUTHORITY_HOST: withDefault(z.url(), 'https://login.microsoftonline.com'),
  /** Scope of the client-credentials token; default `<DYNAMICS_BASE_URL>/.default`. */
  DYNAMICS_SCOPE: optional(z.string().min(1)),
  /** OpenID configuration JSON of the authority, for a private cloud or the local fake. */
  DYNAMICS_AUTHORITY_METADATA: optional(z.string().min(2)),

  /**
   * `true` creates the record of a mentor the CRM has none of. Off by default: a missing record
   * may have been deleted on purpose (an erasure request), and must not come back.
   */
  DYNAMICS_CREATE_MISSING_RECORDS: flag(),
  DYNAMICS_ENTITY_SET: logicalName(defaultEntityMapping.entitySet),
  DYNAMICS_ALTERNATE_KEY: logicalName(defaultEntityMapping.alternateKey),
  DYNAMICS_FIELD_ORGANIZATION: logicalName(defaultEntityMapping.fields.organizationId),
  DYNAMICS_FIELD_STATUS: logicalName(defaultEntityMapping.fields.status),
  DYNAMICS_FIELD_REASON: logicalName(defaultEntityMapping.fields.reasonCode),
  DYNAMICS_FIELD_PAUSED_AT: logicalName(defaultEntityMapping.fields.pausedAt),
  DYNAMICS_FIELD_EXPECTED_END: logicalName(defaultEntityMapping.fields.expectedEnd),
  DYNAMICS_FIELD_ACTOR_ROLE: logicalName(defaultEntityMapping.fields.actorRole),
  DYNAMICS_FIELD_VERSION: logicalName(defaultEntityMapping.fields.version),
  DYNAMICS_FIELD_EVENT_ID: logicalName(defaultEntityMapping.fields.eventId),
  DYNAMICS_FIELD_CHANGED_AT: logicalName(defaultEntityMapping.fields.changedAt),

  /** Requests in flight per process. Dataverse allows 52 concurrent requests per user and web server. */
  DYNAMICS_MAX_CONCURRENCY: integer(1, 25, 8),
  DYNAMICS_REQUEST_TIMEOUT_MS: integer(100, 120_000, 10_000),
  DYNAMICS_MAX_RETRIES: integer(0, 10, 2),
  DYNAMICS_RETRY_BASE_MS: integer(1, 60_000, 500),
  DYNAMICS_RETRY_MAX_MS: integer(1, 600_000, 8_000),
  DYNAMICS_MAX_THROTTLE_WAIT_MS: integer(0, 600_000, 30_000),
  DYNAMICS_CIRCUIT_FAILURE_THRESHOLD: integer(1, 1_000, 5),
  DYNAMICS_CIRCUIT_COOLDOWN_MS: integer(100, 3_600_000, 30_000),
  /** How long sending stops after refused credentials or a configuration error. */
  DYNAMICS_REFUSAL_PAUSE_MS: integer(100, 3_600_000, 300_000),
});

export interface DataverseConfig {
  baseUrl: string;
  apiVersion: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  authorityHost: string;
  scope: string;
  authorityMetadata: string | undefined;
  mapping: DataverseEntityMapping;
  createMissingRecords: boolean;
  maxConcurrency: number;
  requestTimeoutMs: number;
  maxRetries: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  maxThrottleWaitMs: number;
  circuitFailureThreshold: number;
  circuitCooldownMs: number;
  refusalPauseMs: number;
}

export type DynamicsConfig = { enabled: false } | { enabled: true; dataverse: DataverseConfig };

/** Parses the Dynamics variables; throws one error naming every invalid or missing one. */
export function readDynamicsConfig(source: NodeJS.ProcessEnv = process.env): DynamicsConfig {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    throw new Error(`invalid Dynamics configuration: ${z.prettifyError(parsed.error)}`);
  }
  const env = parsed.data;
  if (!env.DYNAMICS_SYNC_ENABLED) return { enabled: false };

  const required = {
    DYNAMICS_BASE_URL: env.DYNAMICS_BASE_URL,
    DYNAMICS_TENANT_ID: env.DYNAMICS_TENANT_ID,
    DYNAMICS_CLIENT_ID: env.DYNAMICS_CLIENT_ID,
    DYNAMICS_CLIENT_SECRET: env.DYNAMICS_CLIENT_SECRET,
  };
  const missing = Object.entries(required)
    .filter(([, value]) => value === undefined)
    .map(([name]) => name);
  if (missing.length > 0) {
    throw new Error(
      `invalid Dynamics configuration: DYNAMICS_SYNC_ENABLED is true but ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set`,
    );
  }
  const baseUrl = env.DYNAMICS_BASE_URL!.replace(/\/+$/, '');
  return {
    enabled: true,
    dataverse: {
      baseUrl,
      apiVersion: env.DYNAMICS_API_VERSION,
      tenantId: env.DYNAMICS_TENANT_ID!,
      clientId: env.DYNAMICS_CLIENT_ID!,
      clientSecret: env.DYNAMICS_CLIENT_SECRET!,
      authorityHost: env.DYNAMICS_AUTHORITY_HOST,
      scope: env.DYNAMICS_SCOPE ?? `${baseUrl}/.default`,
      authorityMetadata: env.DYNAMICS_AUTHORITY_METADATA,
      mapping: {
        entitySet: env.DYNAMICS_ENTITY_SET,
        alternateKey: env.DYNAMICS_ALTERNATE_KEY,
        fields: {
          organizationId: env.DYNAMICS_FIELD_ORGANIZATION,
          status: env.DYNAMICS_FIELD_STATUS,
          reasonCode: env.DYNAMICS_FIELD_REASON,
          pausedAt: env.DYNAMICS_FIELD_PAUSED_AT,
          expectedEnd: env.DYNAMICS_FIELD_EXPECTED_END,
          actorRole: env.DYNAMICS_FIELD_ACTOR_ROLE,
          version: env.DYNAMICS_FIELD_VERSION,
          eventId: env.DYNAMICS_FIELD_EVENT_ID,
          changedAt: env.DYNAMICS_FIELD_CHANGED_AT,
        },
      },
      createMissingRecords: env.DYNAMICS_CREATE_MISSING_RECORDS,
      maxConcurrency: env.DYNAMICS_MAX_CONCURRENCY,
      requestTimeoutMs: env.DYNAMICS_REQUEST_TIMEOUT_MS,
      maxRetries: env.DYNAMICS_MAX_RETRIES,
      retryBaseDelayMs: env.DYNAMICS_RETRY_BASE_MS,
      retryMaxDelayMs: env.DYNAMICS_RETRY_MAX_MS,
      maxThrottleWaitMs: env.DYNAMICS_MAX_THROTTLE_WAIT_MS,
      circuitFailureThreshold: env.DYNAMICS_CIRCUIT_FAILURE_THRESHOLD,
      circuitCooldownMs: env.DYNAMICS_CIRCUIT_COOLDOWN_MS,
      refusalPauseMs: env.DYNAMICS_REFUSAL_PAUSE_MS,
    },
  };
}
