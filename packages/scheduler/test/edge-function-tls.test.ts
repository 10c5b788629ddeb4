/**
 * The Edge Function's connection to a database that accepts TLS only, as a hosted project with
 * SSL enforced does: a local cluster with ssl on, a server certificate signed by a CA made with
 * openssl for this test, and pg_hba allowing TCP connections over TLS only. The function runs
 * under the real Deno runtime with npm:pg.
 *
 * With the CA in NIGHTLY_DB_CA_CERT it connects, verified; without it, or with another CA, the
 * call fails and the function's log says why and what to set. It never falls back to an
 * unverified connection, whatever the URL's sslmode says.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  findPostgresBinaries,
  type LocalCluster,
  migrate,
  readEnv,
  startLocalCluster,
} from '@peer-mentor/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveNightlyFunctionLocally } from '../src/hosts/edge-function/serve-locally.js';
import type { NightlyResponse } from '../src/index.js';

const SERVICE_KEY = 'legacy-service-role-key-for-tls-tests';
let dir: string;
let cluster: LocalCluster | undefined;
let plainUrl: string;
let caPem: string;
let otherCaPem: string;

const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

/** A self-signed CA: <name>.crt and <name>.key. */
function makeCa(name: string) {
  openssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.crt`,
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'peer-mentor-tls-'));
  makeCa('peer-mentor-test-ca');
  makeCa('someone-else-ca');
  openssl([
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=127.0.0.1',
  ]);
  writeFileSync(
    path.join(dir, 'server.ext'),
    'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n',
  );
  openssl([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'peer-mentor-test-ca.crt',
    '-CAkey',
    'peer-mentor-test-ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '2',
    '-extfile',
    'server.ext',
  ]);
  // Over TCP only TLS is accepted (the socket stays for the server's own tools).
  writeFileSync(
    path.join(dir, 'pg_hba.conf'),
    'local all all trust\nhostssl all all 127.0.0.1/32 trust\n',
  );
  execFileSync('chmod', ['0600', path.join(dir, 'server.key')]);
  execFileSync('chmod', ['0755', dir]);
  // The server runs as the postgres system user when we are root; its key must be its own.
  if (process.getuid?.() === 0) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  caPem = readFileSync(path.join(dir, 'peer-mentor-test-ca.crt'), 'utf8');
  otherCaPem = readFileSync(path.join(dir, 'someone-else-ca.crt'), 'utf8');

  cluster = await startLocalCluster({
    binDir: findPostgresBinaries(readEnv().PG_BINDIR).binDir,
    settings: {
      ssl: 'on',
      ssl_cert_file: path.join(dir, 'server.crt'),
      ssl_key_file: path.join(dir, 'server.key'),
      hba_file: path.join(dir, 'pg_hba.conf'),
    },
  });
  plainUrl = cluster.url;
  // The migrations over TLS too, verified against the CA.
  const migrationUrl = new URL(plainUrl);
  migrationUrl.searchParams.set('sslmode', 'verify-full');
  migrationUrl.searchParams.set('sslrootcert', path.join(dir, 'peer-mentor-test-ca.crt'));
  await migrate(migrationUrl.toString());
}, 180_000);

afterAll(async () => {
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const withSslmode = (mode: string) => {
  const url = new URL(plainUrl);
  url.searchParams.set('sslmode', mode);
  return url.toString();
};

/** One call to the function served with this environment: its answer and its log. */
async function callWith(env: Record<string, string>) {
  const edge = await serveNightlyFunctionLocally({
    SUPABASE_SERVICE_ROLE_KEY: SERVICE_KEY,
    ...env,
  });
  try {
    const response = await fetch(edge.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${SERVICE_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ jobs: ['certification-expiry'] }),
    });
    return {
      status: response.status,
      body: (await response.json()) as unknown,
      log: edge.output(),
    };
  } finally {
    await edge.stop();
  }
}

const REFUSED = {
  error: 'internal_error',
  message: 'the nightly jobs failed; see the function log',
};

describe('the nightly Edge Function over TLS to the database (Deno, npm:pg)', () => {
  it('connects with the CA from NIGHTLY_DB_CA_CERT, verified, whatever sslmode the URL carries', async () => {
    for (const url of [plainUrl, withSslmode('require'), withSslmode('no-verify')]) {
      const result = await callWith({ SUPABASE_DB_URL: url, NIGHTLY_DB_CA_CERT: caPem });
      expect(result.status, result.log).toBe(200);
      expect(result.body as NightlyResponse).toMatchObject({ done: true, errors: 0 });
    }
  }, 60_000);

  it('without the CA, sslmode=require fails verification and says to set NIGHTLY_DB_CA_CERT, never connecting unverified', async () => {
    for (const mode of ['require', 'no-verify', 'prefer']) {
      const result = await callWith({ SUPABASE_DB_URL: withSslmode(mode) });
      expect(result.status).toBe(500);
      expect(result.body).toEqual(REFUSED);
      expect(result.log).toContain(
        "the database's TLS certificate could not be verified against the runtime's trusted CAs (set NIGHTLY_DB_CA_CERT",
      );
    }
  }, 60_000);

  it('against another CA the certificate is refused, and the log names NIGHTLY_DB_CA_CERT', async () => {
    const result = await callWith({ SUPABASE_DB_URL: plainUrl, NIGHTLY_DB_CA_CERT: otherCaPem });
    expect(result.status).toBe(500);
    expect(result.body).toEqual(REFUSED);
    expect(result.log).toContain(
      "the database's TLS certificate could not be verified against NIGHTLY_DB_CA_CERT",
    );
  }, 30_000);

  it('without the CA and without sslmode, the server refuses the plain connection and the log says what to set', async () => {
    const result = await callWith({ SUPABASE_DB_URL: plainUrl });
    expect(result.status).toBe(500);
    expect(result.body).toEqual(REFUSED);
    expect(result.log).toContain(
      'the database refused a connection without TLS (no pg_hba.conf entry for host',
    );
    expect(result.log).toContain("set NIGHTLY_DB_CA_CERT to the project's CA certificate");
  }, 30_000);

  it('refuses to start on a contradiction or a CA that is not a PEM certificate', async () => {
    await expect(
      callWith({ SUPABASE_DB_URL: withSslmode('disable'), NIGHTLY_DB_CA_CERT: caPem }),
    ).rejects.toThrow('NIGHTLY_DB_CA_CERT is set but the database URL says sslmode=disable');
    await expect(
      callWith({ SUPABASE_DB_URL: plainUrl, NIGHTLY_DB_CA_CERT: 'prod-ca-2021.crt' }),
    ).rejects.toThrow('NIGHTLY_DB_CA_CERT must hold the CA certificate in PEM form');
  }, 30_000);
});
