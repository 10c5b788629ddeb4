/**
 * The published contracts package, as a consumer gets it: `pnpm pack` (which builds it), the
 * tarball installed with npm into a fresh project outside the workspace (no workspace links;
 * zod and ajv come from the registry), then imported from a plain ESM script that validates
 * real RPC results from the database, with the zod schemas and with the shipped JSON Schema,
 * and type-checked from a TypeScript consumer.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createDb, type Db, serviceRoleClaims, userClaims, withCaller } from '@peer-mentor/db';
import { useTestDatabase } from '@peer-mentor/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callRpc, createContractsWorld, rpcErrorBody } from './contracts-fixtures.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const contractsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../contracts');
const contractsRequire = createRequire(path.join(contractsDir, 'package.json'));
/** The versions the workspace pins, so the consumer gets what contracts was tested with. */
const pinned = (name: string) =>
  (
    JSON.parse(readFileSync(contractsRequire.resolve(`${name}/package.json`), 'utf8')) as {
      version: string;
    }
  ).version;

const database = useTestDatabase();
let db: Db;
let workDir: string;
let consumerDir: string;
let tarball: string;
let tarballFiles: string[];

beforeAll(async () => {
  db = createDb(database.url, { maxConnections: 2 });
  workDir = mkdtempSync(path.join(tmpdir(), 'pm-contracts-pack-'));
  consumerDir = path.join(workDir, 'consumer');
  // prepack builds the package first: tsc, JSON Schema and Dart.
  await run('pnpm', ['pack', '--pack-destination', workDir], {
    cwd: contractsDir,
    maxBuffer: 16 * 1024 * 1024,
  });
  const tarballs = readdirSync(workDir).filter((file) => file.endsWith('.tgz'));
  expect(tarballs).toHaveLength(1);
  tarball = path.join(workDir, tarballs[0]!);
  tarballFiles = (await run('tar', ['-tzf', tarball])).stdout.split('\n').filter(Boolean);

  mkdirSync(consumerDir);
  writeFileSync(
    path.join(consumerDir, 'package.json'),
    JSON.stringify({ name: 'contracts-consumer', private: true, type: 'module' }),
  );
  await run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      '--loglevel=error',
      tarball,
      `ajv@${pinned('ajv')}`,
    ],
    { cwd: consumerDir, maxBuffer: 16 * 1024 * 1024 },
  );
}, 300_000);

afterAll(async () => {
  await db?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('holds the ESM build, type declarations, JSON Schema, the Dart file, README and licence', () => {
    for (const file of [
      'package/package.json',
      'package/README.md',
      'package/LICENSE',
      'package/dist/index.js',
      'package/dist/index.d.ts',
      'package/dist/rpc.d.ts',
      'package/dist/json-schema/index.json',
      'package/dist/json-schema/PeerMentorStatusRow.json',
      'package/dist/json-schema/ActivePauseRows.json',
      'package/dist/dart/peer_mentor_contracts.dart',
    ]) {
      expect(tarballFiles).toContain(file);
    }
  });

  it('holds no sources, tests, scripts or golden copies', () => {
    const stray = tarballFiles.filter((file) =>
      /^package\/(src|scripts|golden|node_modules)\/|\.test\.|tsconfig|vitest/.test(file),
    );
    expect(stray).toEqual([]);
  });

  it('declares zod as its only dependency, at the pinned version, and exports only dist', () => {
    const manifest = JSON.parse(
      readFileSync(
        path.join(consumerDir, 'node_modules/@peer-mentor/contracts/package.json'),
        'utf8',
      ),
    );
    expect(manifest.dependencies).toEqual({ zod: pinned('zod') });
    expect(manifest.type).toBe('module');
    expect(JSON.stringify(manifest.exports)).not.toMatch(/@peer-mentor\/source|\.\/src\//);
    expect(manifest.exports['.']).toEqual({
      types: './dist/index.d.ts',
      default: './dist/index.js',
    });
    expect(manifest.repository.directory).toBe('packages/contracts');
    expect(manifest.license).toBe('MIT');
  });
});

describe('installed in a fresh project', () => {
  it('validates real RPC results and error bodies from a plain ESM script', async () => {
    // Real results: a mentor pauses, the system pauses another, the coordinator lists the chapter.
    const world = await createContractsWorld(db.pool, { mentors: 2 });
    const org = world.organizationId;
    const [first, second] = world.mentors as [(typeof world.mentors)[0], (typeof world.mentors)[0]];
    const statusRow = await withCaller(db.pool, userClaims(first.userId, org), (client) =>
      callRpc(client, 'activate_pause', {
        p_peer_mentor_id: first.id,
        p_organization_id: org,
        p_reason_code: 'vacation',
        p_note: 'Lofoten',
      }),
    );
    await withCaller(db.pool, serviceRoleClaims, (client) =>
      callRpc(client, 'activate_pause', {
        p_peer_mentor_id: second.id,
        p_organization_id: org,
        p_reason_code: 'certification_expired',
      }),
    );
    const chapterPauses = await withCaller(
      db.pool,
      userClaims(world.coordinatorUserId, org),
      (client) =>
        callRpc(client, 'get_active_pauses_for_chapter', {
          p_organization_id: org,
          p_chapter_id: world.chapterId,
        }),
    );
    const lockedError = await withCaller(db.pool, userClaims(second.userId, org), (client) =>
      rpcErrorBody(
        callRpc(client, 'deactivate_pause', {
          p_peer_mentor_id: second.id,
          p_organization_id: org,
        }),
      ),
    );
    writeFileSync(
      path.join(consumerDir, 'rpc-results.json'),
      JSON.stringify({ statusRow, chapterPauses, lockedError }),
    );

    writeFileSync(
      path.join(consumerDir, 'check.mjs'),
      `import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import {
  ActivePauseRows, DomainError, ORGANIZATION_ID_CLAIM, PeerMentorStatusRow, parsePostgrestError, rpcNames,
} from '@peer-mentor/contracts';

const results = JSON.parse(readFileSync('rpc-results.json', 'utf8'));
const shipped = (file) => JSON.parse(readFileSync(new URL(import.meta.resolve('@peer-mentor/contracts/json-schema/' + file)), 'utf8'));
const ajv = new Ajv2020({ strict: true, validateFormats: false });
const error = parsePostgrestError(results.lockedError);
console.log(JSON.stringify({
  zod: {
    statusRow: PeerMentorStatusRow.safeParse(results.statusRow).success,
    chapterPauses: ActivePauseRows.safeParse(results.chapterPauses).success,
    chapterPauseCount: ActivePauseRows.parse(results.chapterPauses).length,
  },
  jsonSchema: {
    statusRow: ajv.validate(shipped('PeerMentorStatusRow.json'), results.statusRow),
    chapterPauses: ajv.validate(shipped('ActivePauseRows.json'), results.chapterPauses),
  },
  error: { domain: error instanceof DomainError, name: error.name, code: error.code },
  claimKey: ORGANIZATION_ID_CLAIM.key,
  rpcNames,
  dart: readFileSync(new URL(import.meta.resolve('@peer-mentor/contracts/dart/peer_mentor_contracts.dart')), 'utf8').includes("static const String activatePause = 'activate_pause';"),
}));
`,
    );
    const { stdout } = await run(process.execPath, ['check.mjs'], { cwd: consumerDir });
    expect(JSON.parse(stdout)).toEqual({
      zod: { statusRow: true, chapterPauses: true, chapterPauseCount: 2 },
      jsonSchema: { statusRow: true, chapterPauses: true },
      error: { domain: true, name: 'pause_locked', code: 'PM423' },
      claimKey: 'app_metadata.organization_id',
      rpcNames: [
        'activate_pause',
        'deactivate_pause',
        'get_active_pauses_for_chapter',
        'switch_organization',
        'change_member_role',
        'remove_member',
        'assign_coordinator_chapter',
        'unassign_coordinator_chapter',
        'add_mentor_chapter',
        'remove_mentor_chapter',
        'requeue_parked_events',
      ],
      dart: true,
    });
  }, 60_000);

  it('type-checks a TypeScript consumer against the shipped declarations', async () => {
    writeFileSync(
      path.join(consumerDir, 'consumer.ts'),
      `import {
  type ActivatePauseArgs, activatePauseArgsSchema, type PeerMentorStatusRow, PeerMentorStatusRow as StatusRowSchema,
  parsePostgrestError, readJwtClaims, rpcFunctions, type RpcResponse,
} from '@peer-mentor/contracts';

declare const wire: unknown;
const row: PeerMentorStatusRow = StatusRowSchema.parse(wire);
const status: 'active' | 'paused' = row.status;
const version: number = row.version;
// @ts-expect-error a status row has no display_name
row.display_name;
const args: ActivatePauseArgs = { p_peer_mentor_id: 'a', p_organization_id: 'b', p_reason_code: 'health' };
// @ts-expect-error not a reason code
const wrong: ActivatePauseArgs = { ...args, p_reason_code: 'burnout' };
activatePauseArgsSchema({ timeZone: 'Europe/Oslo' }).parse(args);
const rows: RpcResponse<'get_active_pauses_for_chapter'> = rpcFunctions.get_active_pauses_for_chapter.response.parse(wire);
const error = parsePostgrestError(wire);
const retry: boolean = error.retryable;
const claims = readJwtClaims(wire);
const organization: string | null = claims.success ? claims.data.organizationId : null;
export { status, version, wrong, rows, retry, organization };
`,
    );
    writeFileSync(
      path.join(consumerDir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          types: [],
          skipLibCheck: false,
        },
        files: ['consumer.ts'],
      }),
    );
    const tsc = require.resolve('typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], {
      cwd: consumerDir,
    }).then(
      () => 'ok',
      (error: { stdout: string }) => error.stdout,
    );
    expect(result).toBe('ok');
  }, 120_000);
});
