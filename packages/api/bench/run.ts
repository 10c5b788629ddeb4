/**
 * `pnpm bench:api`: what the API adds to a call. The same activate_pause / deactivate_pause
 * calls, as the same org admin, on the same cluster in one run (the write path), and two reads
 * as a coordinator (the read path): a filtered, ranged table read
 * (`.from('peer_mentor_status').select(…).eq('status', 'paused').order(…).range(…)`) and the
 * chapter's pause list with `.eq()`/`.order()`/`.range()` on the RPC's result, each against
 * the same query (shaped to the same JSON) over a direct connection:
 *
 *   service  supabase-js `.rpc()` → HTTP on 127.0.0.1 → the API (its own process, started
 *            as `pnpm --filter @peer-mentor/api start` starts it) → withCaller → PostgreSQL
 *   direct   a `pg` pool → withCaller → PostgreSQL (the same transaction the API runs)
 *
 * Bounded load: a fixed number of workers (--concurrency), each alternating pause/resume on
 * its own mentor for a fixed time (--duration seconds per path, split over --rounds rounds
 * that alternate the paths, so drift on a busy machine hits both alike). Prints a table and
 * writes .bench-results/api.json. Targets: the service adds ≤ 1 ms at p50 and keeps ≥ 70 %
 * of the direct throughput.
 *
 * Database: DATABASE_URL (a server you manage), else a throwaway cluster from the machine's
 * PostgreSQL binaries, like the tests. The API runs with RATE_LIMITS=off: the only place the
 * request rate limits are switched off.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  authenticatorUrl,
  demoId,
  freeLoopbackPort,
  liftStatusTransitionLimit,
  loadDemoData,
  userClaims,
  withCaller,
} from '@peer-mentor/db';
import { createTemplateDatabase, startTestServer } from '@peer-mentor/db/testing';
import { createClient } from '@supabase/supabase-js';
import pg from 'pg';
import { signApiKey, signUserToken } from '../src/auth/tokens.js';

const { values: flags } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    duration: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '2' },
  },
});
const durationMs = Number(flags.duration) * 1000;
const concurrency = Number(flags.concurrency);
const rounds = Number(flags.rounds);
const warmupMs = Number(flags.warmup) * 1000;
for (const [name, value] of Object.entries({ durationMs, concurrency, rounds, warmupMs })) {
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`--${name}: must be a positive number`);
}

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = path.resolve(packageRoot, '..', '..');
const SECRET = 'peer-mentor-bench-secret-of-at-least-32-characters';
const hlf = demoId('hlf');
const admin = demoId('hlf-admin');
const kari = demoId('hlf-kari');
const oslo = demoId('hlf-oslo');
/** Mentors created for the read path, and the page size the reads ask for. */
const READ_MENTORS = 400;
const PAGE = 25;
const log = (line: string) => console.log(`[bench:api] ${line}`);

/** One call: pause or resume `mentor`; throws when the call failed. */
type Call = (mentor: string, pause: boolean) => Promise<void>;

interface PhaseResult {
  calls: number;
  errors: number;
  firstError?: string;
  latenciesMs: number[];
  elapsedMs: number;
}

/** Whether each bench mentor is paused now; every phase continues from it. */
const paused = new Map<string, boolean>();

/**
 * Workers calling back to back until the time is up; a worker stops at its first failure
 * (its state is unknown then).
 */
async function runWorkers(
  workers: number,
  ms: number,
  call: (worker: number) => Promise<void>,
): Promise<PhaseResult> {
  const latenciesMs: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = started + ms;
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          await call(worker);
          latenciesMs.push(performance.now() - t0);
        } catch (error) {
          errors += 1;
          firstError ??= error instanceof Error ? error.message : String(error);
          return;
        }
      }
    }),
  );
  if (firstError) log(`first failure: ${firstError}`);
  return { calls: latenciesMs.length, errors, latenciesMs, elapsedMs: performance.now() - started };
}

/** `concurrency` workers, each on its own mentor, alternating pause and resume. */
function runPhase(call: Call, mentors: string[], ms: number): Promise<PhaseResult> {
  return runWorkers(mentors.length, ms, async (worker) => {
    const mentor = mentors[worker] as string;
    const pause = !paused.get(mentor);
    await call(mentor, pause);
    paused.set(mentor, pause);
  });
}

/** A read: resolves when the rows arrived, throws when the read failed. */
type Read = () => Promise<void>;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

function summarize(results: PhaseResult[]) {
  const latencies = results.flatMap((result) => result.latenciesMs).sort((a, b) => a - b);
  const elapsedMs = results.reduce((sum, result) => sum + result.elapsedMs, 0);
  const calls = latencies.length;
  return {
    calls,
    errors: results.reduce((sum, result) => sum + result.errors, 0),
    throughputPerSecond: calls / (elapsedMs / 1000),
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    p99Ms: percentile(latencies, 99),
  };
}

/** Mentors in HLF Oslo for the workers, each with its own status row (no lock contention). */
async function createBenchMentors(databaseUrl: string, count: number): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // Each worker pauses and resumes its mentor thousands of times: far above the per-mentor
    // transition limit, which this benchmark lifts explicitly in its own database.
    await liftStatusTransitionLimit(client);
    const ids: string[] = [];
    for (let index = 0; index < count; index += 1) {
      const id = demoId(`bench-mentor-${index}`);
      await client.query(
        `insert into public.peer_mentors (id, organization_id, display_name) values ($1, $2, $3)
         on conflict (id) do nothing`,
        [id, hlf, `Bench Mentor ${index}`],
      );
      await client.query(
        `update public.peer_mentor_status
         set status = 'active', reason_code = null, paused_at = null, paused_by = null,
             paused_by_role = null, expected_end = null
         where peer_mentor_id = $1`,
        [id],
      );
      ids.push(id);
    }
    return ids;
  } finally {
    await client.end();
  }
}

/** Mentors the reads page through: `count` in HLF Oslo, every other one paused. */
async function createReadMentors(databaseUrl: string, count: number): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      `with created as (
         insert into public.peer_mentors (id, organization_id, display_name)
         select gen_random_uuid(), $1, 'Read Mentor ' || i from generate_series(1, $2) as i
         returning id)
       insert into public.peer_mentor_chapters (peer_mentor_id, chapter_id, organization_id)
       select id, $3, $1 from created`,
      [hlf, count, oslo],
    );
    await client.query(
      `update public.peer_mentor_status s
       set status = 'paused', reason_code = case when random() < 0.5 then 'vacation' else 'health' end::public.pause_reason_code,
           paused_at = now() - random() * interval '30 days', paused_by_role = 'system'
       from public.peer_mentors m
       where m.id = s.peer_mentor_id and m.display_name like 'Read Mentor %'
         and right(m.display_name, 1) in ('0', '2', '4', '6', '8')`,
    );
    await client.query('analyze');
  } finally {
    await client.end();
  }
}

/** The API as its own process (src/index.ts), configured through its environment. */
async function startApiProcess(databaseUrl: string) {
  const port = await freeLoopbackPort();
  const child = spawn(
    path.join(packageRoot, 'node_modules', '.bin', 'tsx'),
    ['--conditions=@peer-mentor/source', 'src/index.ts'],
    {
      cwd: packageRoot,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        // As in production: the API logs in as authenticator (the bench cluster trusts it).
        DATABASE_URL: authenticatorUrl(databaseUrl),
        JWT_SECRET: SECRET,
        API_PORT: String(port),
        DB_POOL_MAX: String(concurrency),
        LOG_LEVEL: 'warn',
        // The bench measures the call path at full speed from one address and one user, far
        // above the default request rate limits; it turns them off, explicitly.
        RATE_LIMITS: 'off',
      },
    },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error('the API process exited before listening');
    const ready = await fetch(`${url}/readyz`).then(
      (res) => res.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error('the API did not become ready in 60 s');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      const code = await exited;
      if (code !== 0) throw new Error(`the API process exited with ${code} on SIGTERM`);
    },
  };
}

/**
 * The floor: supabase-js and HTTP with nothing behind them. A separate process that answers
 * every request at once with a canned status row, so what the client and the loopback hop
 * cost alone is measured in the same run.
 */
async function startFloorServer(row: string) {
  const code = `
    const http = require('node:http');
    const body = process.env.ROW;
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(body));
    });
    server.listen(0, '127.0.0.1', () => console.log(server.address().port));
    process.on('SIGTERM', () => server.close(() => process.exit(0)));`;
  const child = spawn(process.execPath, ['-e', code], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ROW: row },
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', () => reject(new Error('the floor server exited')));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function main() {
  log(
    `${os.cpus().length} cores; concurrency ${concurrency}, ${durationMs / 1000} s per path in ${rounds} rounds`,
  );
  const server = await startTestServer();
  try {
    log('migrating a bench database (platform layer + supabase db push)');
    const databaseUrl = await createTemplateDatabase(
      server.adminUrl,
      `pm_bench_api_${process.pid}`,
    );
    await loadDemoData(databaseUrl);
    const mentors = await createBenchMentors(databaseUrl, concurrency);
    await createReadMentors(databaseUrl, READ_MENTORS);

    const api = await startApiProcess(databaseUrl);
    const token = await signUserToken(SECRET, admin, hlf, { expiresInSeconds: 3600 });
    const anonKey = await signApiKey(SECRET, 'anon');
    const clientFor = (url: string) =>
      createClient(url, anonKey, {
        auth: { persistSession: false, autoRefreshToken: false },
        accessToken: async () => token,
      });
    const rpcCall =
      (supabase: ReturnType<typeof clientFor>): Call =>
      async (mentor, pause) => {
        const { error } = pause
          ? await supabase.rpc('activate_pause', {
              p_peer_mentor_id: mentor,
              p_organization_id: hlf,
              p_reason_code: 'vacation',
            })
          : await supabase.rpc('deactivate_pause', {
              p_peer_mentor_id: mentor,
              p_organization_id: hlf,
            });
        if (error) throw new Error(error.message);
      };
    const viaService = rpcCall(clientFor(api.url));

    // Direct: the same transaction the API runs (withCaller), without HTTP.
    const direct = new pg.Pool({
      connectionString: authenticatorUrl(databaseUrl),
      max: concurrency,
    });
    const claims = userClaims(admin, hlf);
    const viaDirect: Call = async (mentor, pause) => {
      await withCaller(direct, claims, (client) =>
        pause
          ? client.query('select * from public.activate_pause($1, $2, $3)', [
              mentor,
              hlf,
              'vacation',
            ])
          : client.query('select * from public.deactivate_pause($1, $2)', [mentor, hlf]),
      );
    };

    // The floor answers with a row like the ones the calls return (and never fails).
    const floor = await startFloorServer(
      JSON.stringify({
        peer_mentor_id: mentors[0],
        organization_id: hlf,
        status: 'paused',
        version: 1,
      }),
    );
    const viaFloor = rpcCall(clientFor(floor.url));

    // The read path, as a coordinator: through the API, and the same query directly.
    const kariToken = await signUserToken(SECRET, kari, hlf, { expiresInSeconds: 3600 });
    const kariClient = createClient(api.url, anonKey, {
      auth: { persistSession: false, autoRefreshToken: false },
      accessToken: async () => kariToken,
    });
    const kariClaims = userClaims(kari, hlf);
    const expectRows = (rows: unknown, what: string) => {
      if (!Array.isArray(rows) || rows.length !== PAGE) throw new Error(`${what}: not a full page`);
    };
    const tableViaService: Read = async () => {
      const { data, error } = await kariClient
        .from('peer_mentor_status')
        .select('peer_mentor_id,status,reason_code,paused_at,expected_end')
        .eq('status', 'paused')
        .order('paused_at', { ascending: false })
        .range(PAGE, 2 * PAGE - 1);
      if (error) throw new Error(error.message);
      expectRows(data, 'table read');
    };
    const tableViaDirect: Read = async () => {
      const { rows } = await withCaller(
        direct,
        kariClaims,
        (client) =>
          client.query(
            `select coalesce(json_agg(t), '[]')::text as body from (
               select peer_mentor_id, status, reason_code, paused_at, expected_end
               from public.peer_mentor_status where status = $1
               order by paused_at desc limit ${PAGE} offset ${PAGE}) t`,
            ['paused'],
          ),
        { readOnly: true },
      );
      expectRows(JSON.parse(rows[0].body), 'direct table read');
    };
    const rpcReadViaService: Read = async () => {
      const { data, error } = await kariClient
        .rpc('get_active_pauses_for_chapter', { p_organization_id: hlf, p_chapter_id: oslo })
        .eq('reason_code', 'vacation')
        .order('paused_at', { ascending: false })
        .range(0, PAGE - 1);
      if (error) throw new Error(error.message);
      expectRows(data, 'rpc read');
    };
    const rpcReadViaDirect: Read = async () => {
      const { rows } = await withCaller(
        direct,
        kariClaims,
        (client) =>
          client.query(
            `select coalesce(json_agg(t), '[]')::text as body from (
               select * from public.get_active_pauses_for_chapter($1, $2)
               where reason_code = $3 order by paused_at desc limit ${PAGE}) t`,
            [hlf, oslo, 'vacation'],
          ),
        { readOnly: true },
      );
      expectRows(JSON.parse(rows[0].body), 'direct rpc read');
    };
    const reads = {
      table: { service: tableViaService, direct: tableViaDirect },
      rpc: { service: rpcReadViaService, direct: rpcReadViaDirect },
    };
    const readRuns = {
      table: { service: [] as PhaseResult[], direct: [] as PhaseResult[] },
      rpc: { service: [] as PhaseResult[], direct: [] as PhaseResult[] },
    };

    log('warming up every path');
    await runPhase(viaService, mentors, warmupMs);
    await runPhase(viaDirect, mentors, warmupMs);
    for (const read of Object.values(reads)) {
      await runWorkers(concurrency, warmupMs / 2, read.service);
      await runWorkers(concurrency, warmupMs / 2, read.direct);
    }
    const serviceRuns: PhaseResult[] = [];
    const directRuns: PhaseResult[] = [];
    const floorRuns: PhaseResult[] = [];
    for (let round = 1; round <= rounds; round += 1) {
      log(`round ${round}/${rounds}: direct`);
      directRuns.push(await runPhase(viaDirect, mentors, durationMs / rounds));
      log(`round ${round}/${rounds}: service`);
      serviceRuns.push(await runPhase(viaService, mentors, durationMs / rounds));
      log(`round ${round}/${rounds}: floor`);
      // The floor keeps no state: give it its own mentor map so the others' stays true.
      const saved = new Map(paused);
      floorRuns.push(await runPhase(viaFloor, mentors, durationMs / rounds));
      paused.clear();
      for (const [mentor, value] of saved) paused.set(mentor, value);
      for (const [name, read] of Object.entries(reads) as [
        keyof typeof reads,
        { service: Read; direct: Read },
      ][]) {
        // Alternate which side goes first, so drift hits both alike.
        const order =
          round % 2 === 1 ? (['direct', 'service'] as const) : (['service', 'direct'] as const);
        for (const side of order) {
          log(`round ${round}/${rounds}: ${name} read, ${side}`);
          readRuns[name][side].push(await runWorkers(concurrency, durationMs / rounds, read[side]));
        }
      }
    }
    await api.stop();
    await floor.stop();
    await direct.end();

    const service = summarize(serviceRuns);
    const directSummary = summarize(directRuns);
    const floorSummary = summarize(floorRuns);
    const addedP50Ms = service.p50Ms - directSummary.p50Ms;
    const throughputRatio = service.throughputPerSecond / directSummary.throughputPerSecond;
    const targets = {
      addedP50Ms: { limit: 1, value: addedP50Ms, met: addedP50Ms <= 1 },
      throughputRatio: { limit: 0.7, value: throughputRatio, met: throughputRatio >= 0.7 },
    };

    const row = (name: string, s: typeof service) =>
      `  ${name.padEnd(30)} ${s.calls.toString().padStart(7)} ${s.errors.toString().padStart(6)} ${s.throughputPerSecond.toFixed(0).padStart(8)} ${s.p50Ms.toFixed(2).padStart(7)} ${s.p95Ms.toFixed(2).padStart(7)} ${s.p99Ms.toFixed(2).padStart(7)}`;
    console.log();
    console.log(
      `  ${'path'.padEnd(30)} ${'calls'.padStart(7)} ${'errors'.padStart(6)} ${'calls/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p95 ms'.padStart(7)} ${'p99 ms'.padStart(7)}`,
    );
    console.log(row('direct pg (withCaller)', directSummary));
    console.log(row('supabase-js → API (HTTP)', service));
    console.log(row('supabase-js → canned reply', floorSummary));
    const summarizeRead = (runs: { service: PhaseResult[]; direct: PhaseResult[] }) => {
      const directRead = summarize(runs.direct);
      const serviceRead = summarize(runs.service);
      return {
        direct: directRead,
        service: serviceRead,
        addedP50Ms: serviceRead.p50Ms - directRead.p50Ms,
        throughputRatio: serviceRead.throughputPerSecond / directRead.throughputPerSecond,
      };
    };
    const readSummaries = {
      table: summarizeRead(readRuns.table),
      rpc: summarizeRead(readRuns.rpc),
    };
    console.log(row('read: table, direct pg', readSummaries.table.direct));
    console.log(row('read: table, supabase-js → API', readSummaries.table.service));
    console.log(row('read: rpc+eq/order/range, direct', readSummaries.rpc.direct));
    console.log(row('read: rpc+eq/order/range, API', readSummaries.rpc.service));
    console.log();
    for (const [name, summary] of Object.entries(readSummaries)) {
      console.log(
        `  ${name} read: ${(summary.throughputRatio * 100).toFixed(1)} % of direct throughput, ${summary.addedP50Ms.toFixed(2)} ms added at p50`,
      );
    }
    console.log(
      `  added at p50: ${addedP50Ms.toFixed(2)} ms (target ≤ 1 ms: ${targets.addedP50Ms.met ? 'met' : 'NOT met'})`,
    );
    console.log(
      `  client + HTTP floor at p50: ${floorSummary.p50Ms.toFixed(2)} ms; the API's own share: ${(addedP50Ms - floorSummary.p50Ms).toFixed(2)} ms`,
    );
    console.log(
      `  throughput kept: ${(throughputRatio * 100).toFixed(1)} % of direct (target ≥ 70 %: ${targets.throughputRatio.met ? 'met' : 'NOT met'})`,
    );

    const resultsDir = path.join(repoRoot, '.bench-results');
    mkdirSync(resultsDir, { recursive: true });
    const report = {
      benchmark: 'api',
      date: new Date().toISOString(),
      machine: { cores: os.cpus().length, node: process.version },
      load: {
        concurrency,
        durationSecondsPerPath: durationMs / 1000,
        rounds,
        warmupSeconds: warmupMs / 1000,
      },
      calls:
        'activate_pause / deactivate_pause alternating, one mentor per worker, as an org admin',
      direct: directSummary,
      service,
      floor: {
        description:
          'supabase-js against a process that answers at once with a canned row: what the client and the loopback HTTP hop cost alone',
        ...floorSummary,
      },
      apiOwnShareAtP50Ms: addedP50Ms - floorSummary.p50Ms,
      targets,
      reads: {
        description: `as a coordinator, ${READ_MENTORS} extra mentors in Oslo (half paused); pages of ${PAGE}; direct = the same query shaped to the same JSON over a pg pool with withCaller (read only)`,
        table: {
          call: ".from('peer_mentor_status').select(5 columns).eq('status','paused').order('paused_at',{ascending:false}).range(25, 49)",
          ...readSummaries.table,
        },
        rpc: {
          call: ".rpc('get_active_pauses_for_chapter', Oslo).eq('reason_code','vacation').order('paused_at',{ascending:false}).range(0, 24)",
          ...readSummaries.rpc,
        },
      },
    };
    writeFileSync(path.join(resultsDir, 'api.json'), `${JSON.stringify(report, null, 2)}\n`);
    log(`wrote ${path.join(resultsDir, 'api.json')}`);
    const failed =
      service.errors +
      directSummary.errors +
      Object.values(readSummaries).reduce((sum, r) => sum + r.direct.errors + r.service.errors, 0);
    if (failed > 0) throw new Error(`${failed} calls failed`);
  } finally {
    await server.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
