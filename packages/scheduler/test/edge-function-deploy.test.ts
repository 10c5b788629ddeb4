/**
 * Deploying the Edge Function with the real Supabase CLI, the way an operator does
 * (`supabase functions deploy nightly --use-api`, from this package), against a local stand-in
 * for the Management API (the CLI's custom profile points it there). What matters is what the
 * CLI sends: the gateway's JWT check must stay off for `nightly` even without --no-verify-jwt,
 * because the handler takes the project's secret keys, which are not JWTs.
 */
import { describe, expect, it } from 'vitest';
import { deployNightlyWithCli } from './support/functions-deploy.js';
import { packageRoot } from './support/processes.js';

describe('deploying the nightly Edge Function (real Supabase CLI)', () => {
  it('keeps the gateway’s JWT check off without --no-verify-jwt: supabase/config.toml pins it', async () => {
    const result = await deployNightlyWithCli(packageRoot);
    expect(result.code, result.output).toBe(0);
    expect(result.deploys).toHaveLength(1);
    const [request] = result.deploys;
    expect(request!.slug).toBe('nightly');
    expect(request!.metadata).toMatchObject({
      name: 'nightly',
      entrypoint_path: 'supabase/functions/nightly/index.ts',
      verify_jwt: false,
    });
    // The bundle carries the handler and its TLS rules from outside supabase/functions.
    expect(request!.files).toEqual(
      expect.arrayContaining([
        'supabase/functions/nightly/index.ts',
        'src/hosts/edge-function/handler.ts',
        'src/hosts/edge-function/database-tls.ts',
        'src/jobs/nightly/invocation.ts',
      ]),
    );
  }, 120_000);
});
