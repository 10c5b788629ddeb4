import { ConfidentialClientApplication, LogLevel } from '@azure/msal-node';
import type { Logger } from '../../logger.js';

/** Bearer tokens for the Dataverse Web API. */
export interface AccessTokenProvider {
  /** A valid token; `forceRefresh` skips the cache (the portal rejected the cached one). */
  getToken(options?: { forceRefresh?: boolean }): Promise<string>;
}

export interface MsalTokenProviderOptions {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** `https://login.microsoftonline.com` (public cloud) or another Entra ID host. */
  authorityHost: string;
  /** `https://<org>.crm<N>.dynamics.com/.default`: the application permissions of the app. */
  scope: string;
  /**
   * OpenID configuration of the authority as a JSON string (msal's `authorityMetadata`). Given,
   * msal does not fetch it, and the authority host is trusted as a known authority: this is how
   * a private cloud, or the local fake server, is used.
   */
  authorityMetadata?: string;
  logger?: Logger;
}

/**
 * OAuth 2.0 client credentials through @azure/msal-node. msal keeps the token in its
 * in-memory cache and fetches a new one when the cached one is within five minutes of expiry;
 * `forceRefresh` bypasses both caches.
 */
export function createMsalTokenProvider(options: MsalTokenProviderOptions): AccessTokenProvider {
  const authority = `${options.authorityHost.replace(/\/+$/, '')}/${options.tenantId}`;
  const app = new ConfidentialClientApplication({
    auth: {
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      authority,
      ...(options.authorityMetadata
        ? {
            authorityMetadata: options.authorityMetadata,
            knownAuthorities: [new URL(options.authorityHost).host],
          }
        : {}),
    },
    system: {
      loggerOptions: {
        logLevel: LogLevel.Error,
        piiLoggingEnabled: false,
        loggerCallback: (level, message) => {
          if (level <= LogLevel.Error) options.logger?.warn('msal', { message });
        },
      },
    },
  });
  // msal's own cache lookup costs about a millisecond of CPU; at hundreds of requests a second
  // that matters, so the current token is also kept here, under the same renewal rule.
  // Concurrent callers share one acquisition, so a burst at start-up asks for one token.
  let current: { token: string; renewAt: number } | undefined;
  let acquiring: Promise<string> | undefined;
  const acquire = async (forceRefresh: boolean) => {
    const result = await app.acquireTokenByClientCredential({
      scopes: [options.scope],
      skipCache: forceRefresh,
    });
    if (!result?.accessToken) throw new Error('the token endpoint returned no access token');
    const expiresAt = result.expiresOn?.getTime() ?? Date.now();
    current = { token: result.accessToken, renewAt: expiresAt - RENEWAL_WINDOW_MS };
    return result.accessToken;
  };
  return {
    getToken({ forceRefresh = false } = {}) {
      if (!forceRefresh && current && Date.now() < current.renewAt) {
        return Promise.resolve(current.token);
      }
      // A forced refresh never joins an acquisition that might return the rejected token.
      if (forceRefresh) return acquire(true);
      acquiring ??= acquire(false).finally(() => {
        acquiring = undefined;
      });
      return acquiring;
    },
  };
}

/** msal's default renewal offset: a token within five minutes of expiry is not used again. */
const RENEWAL_WINDOW_MS = 5 * 60_000;
