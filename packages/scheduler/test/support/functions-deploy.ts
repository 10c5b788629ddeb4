/**
 * `supabase functions deploy nightly --use-api` with the real Supabase CLI against a local
 * stand-in for the Management API (a custom CLI profile points the CLI there), recording what
 * the CLI sends. Used by the scheduler's deploy test and by the release package's bundle test.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { supabaseCliEntry } from '@peer-mentor/db';

export const PROJECT_REF = 'abcdefghijklmnopqrst';

/** One `POST …/functions/deploy` the stand-in received. */
export interface DeployRequest {
  slug: string | null;
  metadata: Record<string, unknown>;
  /** The file names of the multipart body's file parts, in order. */
  files: string[];
}

export interface DeployResult {
  /** The CLI's exit code and its stdout + stderr. */
  code: number;
  output: string;
  deploys: DeployRequest[];
}

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

/** The stand-in: records deploys, answers every other call with the project. */
function standInManagementApi(deploys: DeployRequest[]): http.Server {
  return http.createServer((request, response) => {
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
}

/**
 * Runs `supabase functions deploy nightly --use-api` from `workdir` (a directory holding
 * `supabase/config.toml`) against the stand-in, and stops the stand-in afterwards.
 */
export async function deployNightlyWithCli(workdir: string): Promise<DeployResult> {
  const deploys: DeployRequest[] = [];
  const server = standInManagementApi(deploys);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const profileDir = mkdtempSync(path.join(os.tmpdir(), 'peer-mentor-cli-profile-'));
  try {
    const { port } = server.address() as AddressInfo;
    const profile = path.join(profileDir, 'profile.yaml');
    writeFileSync(
      profile,
      [
        'name: local-management-api',
        `api_url: http://127.0.0.1:${port}`,
        `dashboard_url: http://127.0.0.1:${port}/dashboard`,
        'project_host: supabase.test',
      ].join('\n'),
    );
    const args = ['--profile', profile, '--workdir', workdir, 'functions', 'deploy', 'nightly'];
    const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile(
        process.execPath,
        [supabaseCliEntry(), ...args, '--use-api', '--project-ref', PROJECT_REF],
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
    return { code, output, deploys };
  } finally {
    await new Promise((resolve) => server.close(resolve));
    rmSync(profileDir, { recursive: true, force: true });
  }
}
