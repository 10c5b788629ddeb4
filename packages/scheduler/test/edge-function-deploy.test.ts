/**
 * Deploying the Edge Function with the real Supabase CLI, the way an operator does
 * (`supabase functions deploy nightly --use-api`, from this package), against a local stand-in
 * for the Management API (the CLI's custom profile points it there). What matters is what the
 * CLI sends: the gateway's JWT check must stay off for `nightly` even without --no-verify-jwt,
 * because the handler takes the project's secret keys, which are not JWTs.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from './support/processes.js';

const PROJECT_REF = 'abcdefghijklmnopqrst';
const supabaseCli = path.join(packageRoot, '..', 'db', 'node_modules', '.bin', 'supabase');

interface DeployRequest {
  slug: string | null;
  metadata: Record<string, unknown>;
  files: string[];
}

let server: http.Server;
let profileDir: string;
const deploys: DeployRequest[] = [];

/** The parts of a multipart/form-data body, by name and file name. */
function formParts(body: string, contentType: string) {
  const boundary = /boundary=(.+)$/.exec(contentType)?.[1] ?? '';
  return body
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((part) => {
      const [head = '', ...rest] = part.replace(/^\r\n/, '').split('\r\n\r\n');
      return {
        name: /name="([^"]+)"/.exec(head)?.[1],
        filename: /filename="([^"]+)"/.exec(head)?.[1],
        content: rest.join('\r\n\r\n').replace(/\r\n$/, ''),
      };
    });
}

beforeAll(async () => {
  server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      response.setHeader('content-type', 'application/json');
      if (request.method === 'POST' && url.pathname.endsWith('/functions/deploy')) {
        const parts = formParts(body, request.headers['content-type'] ?? '');
        deploys.push({
          slug: url.searchParams.get('slug'),
          metadata: JSON.parse(parts.find((part) => part.name === 'metadata')?.content ?? '{}'),
          files: parts.flatMap((part) => (part.filename ? [part.filename] : [])),
        });
        response.statusCode = 201;
        response.end(
          JSON.stringify({
            id: 'f1',
            slug: 'nightly',
            name: 'nightly',
            status: 'ACTIVE',
            version: 1,
          }),
        );
        return;
      }
      response.end(JSON.stringify({ id: PROJECT_REF, ref: PROJECT_REF, name: 'peer-mentor' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  profileDir = mkdtempSync(path.join(os.tmpdir(), 'peer-mentor-cli-profile-'));
  writeFileSync(
    path.join(profileDir, 'profile.yaml'),
    [
      'name: local-management-api',
      `api_url: http://127.0.0.1:${port}`,
      `dashboard_url: http://127.0.0.1:${port}/dashboard`,
      'project_host: supabase.test',
    ].join('\n'),
  );
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
});

function deploy(): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      supabaseCli,
      [
        '--profile',
        path.join(profileDir, 'profile.yaml'),
        '--workdir',
        packageRoot,
        'functions',
        'deploy',
        'nightly',
        '--use-api',
        '--project-ref',
        PROJECT_REF,
      ],
      {
        timeout: 90_000,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: profileDir,
          SUPABASE_ACCESS_TOKEN: `sbp_${'0'.repeat(40)}`,
          DO_NOT_TRACK: '1',
          SUPABASE_TELEMETRY_DISABLED: '1',
        },
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

describe('deploying the nightly Edge Function (real Supabase CLI)', () => {
  it('keeps the gateway’s JWT check off without --no-verify-jwt: supabase/config.toml pins it', async () => {
    const result = await deploy();
    expect(result.code, result.output).toBe(0);
    expect(deploys).toHaveLength(1);
    const [request] = deploys;
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
