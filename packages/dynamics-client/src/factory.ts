import { DataverseWebApiClient } from './adapters/dataverse/dataverse-client.js';
import {
  type AccessTokenProvider,
  createMsalTokenProvider,
} from './adapters/dataverse/msal-token-provider.js';
import { NoopPortalClient } from './adapters/noop/noop-client.js';
import type { DynamicsConfig } from './env.js';
import { jsonLineLogger, type Logger } from './logger.js';
import type { DynamicsPortalClient } from './portal-client.js';
import type { Clock } from './resilience/clock.js';

export interface DynamicsClientDependencies {
  logger?: Logger;
  /** Replaces msal (e.g. a managed identity); default: client credentials from the config. */
  tokenProvider?: AccessTokenProvider;
  clock?: Clock;
  fetch?: typeof fetch;
}

/**
 * The client the configuration asks for: the Dataverse Web API adapter when sync is switched
 * on, the no-op adapter otherwise. Nothing connects until the first call.
 */
export function createDynamicsPortalClient(
  config: DynamicsConfig,
  dependencies: DynamicsClientDependencies = {},
): DynamicsPortalClient {
  const logger = dependencies.logger ?? jsonLineLogger;
  if (!config.enabled) return new NoopPortalClient({ logger });
  const { dataverse } = config;
  return new DataverseWebApiClient({
    baseUrl: dataverse.baseUrl,
    apiVersion: dataverse.apiVersion,
    mapping: dataverse.mapping,
    createMissingRecords: dataverse.createMissingRecords,
    tokenProvider:
      dependencies.tokenProvider ??
      createMsalTokenProvider({
        tenantId: dataverse.tenantId,
        clientId: dataverse.clientId,
        clientSecret: dataverse.clientSecret,
        authorityHost: dataverse.authorityHost,
        scope: dataverse.scope,
        authorityMetadata: dataverse.authorityMetadata,
        logger,
      }),
    maxConcurrency: dataverse.maxConcurrency,
    requestTimeoutMs: dataverse.requestTimeoutMs,
    maxRetries: dataverse.maxRetries,
    retryBaseDelayMs: dataverse.retryBaseDelayMs,
    retryMaxDelayMs: dataverse.retryMaxDelayMs,
    maxThrottleWaitMs: dataverse.maxThrottleWaitMs,
    circuitFailureThreshold: dataverse.circuitFailureThreshold,
    circuitCooldownMs: dataverse.circuitCooldownMs,
    refusalPauseMs: dataverse.refusalPauseMs,
    logger,
    clock: dependencies.clock,
    fetch: dependencies.fetch,
  });
}
