/** How the local Auth routes behave; the defaults are Supabase Auth's. */
export interface AuthRoutesConfig {
  /** Signs access tokens (HS256), the same secret the API verifies them with. */
  jwtSecret: string;
  /** Access token lifetime in seconds (Supabase's `jwt_expiry`, default 3600). */
  jwtExpirySeconds: number;
  /** The `iss` claim; by default `<origin of the request>/auth/v1`, as Supabase Auth's. */
  issuer?: string | undefined;
  /**
   * The custom access token hook, as `supabase/config.toml` names it
   * (`pg-functions://postgres/public/custom_access_token_hook`); undefined: no hook.
   */
  customAccessTokenHook?: string | undefined;
  /** Seconds a rotated refresh token may still be used (Supabase's `refresh_token_reuse_interval`). */
  refreshTokenReuseIntervalSeconds: number;
  /** Failed password sign-ins allowed per client address and per account within the window. */
  failedSignIns: { perAddress: number; perAccount: number; windowSeconds: number };
}

export function authRoutesConfig(
  jwtSecret: string,
  overrides: Partial<Omit<AuthRoutesConfig, 'jwtSecret'>> = {},
): AuthRoutesConfig {
  return {
    jwtSecret,
    jwtExpirySeconds: 3600,
    refreshTokenReuseIntervalSeconds: 10,
    failedSignIns: { perAddress: 30, perAccount: 5, windowSeconds: 300 },
    customAccessTokenHook: 'pg-functions://postgres/public/custom_access_token_hook',
    ...overrides,
  };
}

/**
 * The SQL name of a Postgres hook from its `pg-functions://<database>/<schema>/<function>` URI,
 * quoted the way Supabase Auth calls it (`select "schema"."function"(...)`).
 */
export function hookFunctionName(uri: string): string {
  const match = /^pg-functions:\/\/[^/]+\/([A-Za-z_][A-Za-z0-9_]*)\/([A-Za-z_][A-Za-z0-9_]*)$/.exec(
    uri,
  );
  if (!match) {
    throw new Error(
      `not a Postgres hook URI: ${uri} (expected pg-functions://<database>/<schema>/<function>)`,
    );
  }
  return `"${match[1]}"."${match[2]}"`;
}
