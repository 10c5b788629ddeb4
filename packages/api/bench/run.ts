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
 * Bounded load: a fixed number of workers (--concurrency), each pausing and resuming its own
 * mentors in turn (--mentors-per-worker) for a fixed time (--duration seconds per path, split
 * over --rounds rounds; each round runs the paths in the reverse order of the one before, so
 * drift on a busy machine, and the history the calls leave in the database, hit every path
 * alike). Prints a table and writes .bench-results/api.json. Targets: the service adds ≤ 1 ms
 * at p50 and keeps ≥ 70 % of the direct throughput.
 *
 * Why many mentors per worker: a transition's cost grows with its mentor's history (every
 * earlier outbox event of the mentor is visited, and each status update leaves a dead row
 * version until vacuum). A few mentors changed thousands of times a minute measure that
 * growth, not the call, and charge it to whichever path runs later; a real mentor changes a
 * few times a day.
 *
 * Database: DATABASE_URL (a server you manage), else a throwaway cluster from the machine's
 * PostgreSQL binaries, configured as `pnpm bench:db` runs it (no coverage profiler, which the
 * test clusters load and production does not). The API runs with RATE_LIMITS=off: the only
 * place the request rate limits are switched off.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  atLeast,
  atMost,
  formatTable,
  metric,
  postgresFacts,
  ratioMetric,
  startBench,
  summarizeLatencies,
} from '@peer-mentor/bench';
import {
  authenticatorUrl,
  callerTransactionBegin,
  demoId,
  freeLoopbackPort,
  type LocalCluster,
  liftStatusTransitionLimit,
  loadDemoData,
  readEnv,
  sqlLiteral,
  startLocalCluster,
  userClaims,
  withCaller,
} from '@peer-mentor/db';
import { createTemplateDatabase, dropDatabase } from '@peer-mentor/db/testing';
import { createClient } from '@supabase/supabase-js';
import pg from 'pg';
import { signApiKey, signUserToken } from '../src/auth/tokens.js';

const { values: flags } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    duration: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '4' },
    // Many short rounds rather than two long ones: on this 2-core VM one path's rate moved
    // between 370 and 924 calls/s from round to round of one run, so each path's figure is the
    // mean over many rounds spread across the whole run.
    rounds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    'mentors-per-worker': { type: 'string', default: '1000' },
    // A directory for a V8 CPU profile of the API process (node --cpu-prof), written when it stops.
    'cpu-prof-dir': { type: 'string' },
  },
});
const durationMs = Number(flags.duration) * 1000;
const concurrency = Number(flags.concurrency);
const rounds = Number(flags.rounds);
const warmupMs = Number(flags.warmup) * 1000;
const mentorsPerWorker = Number(flags['mentors-per-worker']);
for (const [name, value] of Object.entries({
  durationMs,
  concurrency,
  rounds,
  warmupMs,
  mentorsPerWorker,
})) {
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`--${name}: must be a positive number`);
}

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SECRET = 'peer-mentor-bench-secret-of-at-least-32-characters';
const hlf = demoId('hlf');
const admin = demoId('hlf-admin');
const kari = demoId('hlf-kari');
const oslo = demoId('hlf-oslo');
/**
 * Every measured phase follows an unmeasured lead-in of the same path: a phase that followed
 * another server's ran colder. Without it the bare proxy ran at 535-553 calls/s in the rounds
 * where it followed the API and 746-806 where it followed itself (raw HTTP), in the same run.
 */
const LEAD_IN_MS = 250;
/** The API's log level in the run (warn: no access-log line per call). */
const API_LOG_LEVEL = 'warn';
/** Mentors created for the read path, and the page size the reads ask for. */
const READ_MENTORS = 400;
const PAGE = 25;
const run = startBench({
  name: 'api',
  title: 'API benchmark: the same calls through supabase-js and raw HTTP → the API, and direct pg',
});
const log = run.progress;

/** One call: pause or resume `mentor`; throws when the call failed. */
type Call = (mentor: string, pause: boolean) => Promise<void>;

interface PhaseResult {
  calls: number;
  errors: number;
  firstError?: string;
  latenciesMs: number[];
  elapsedMs: number;
  /** CPU time (user + system) each process spent during the phase, in ms. */
  cpuMs: CpuShares;
}

/**
 * CPU time of the three parties of a call: the load generator, the HTTP server, PostgreSQL. The
 * database's time is its sessions' (the backends serving connections) apart from its background
 * processes' (WAL writer, autovacuum, checkpointer…): those run by the second, not by the call,
 * so a slower path would otherwise be charged more of them per call.
 */
interface CpuShares {
  client: number;
  server: number;
  database: number;
  databaseBackground: number;
}

const CLOCK_TICKS_PER_SECOND = 100;

/** utime + stime of a process from /proc (Linux), in ms; 0 once it is gone. */
function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** A postmaster child that is not a session: its title names the process, not a user. */
const BACKGROUND_TITLE =
  /^postgres: (checkpointer|background writer|walwriter|autovacuum|logical replication|archiver|stats collector|pg_cron launcher|walsender|walreceiver|startup)/;

function isBackgroundProcess(pid: number): boolean {
  try {
    return BACKGROUND_TITLE.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return false;
  }
}

/** Every process whose parent is `parent` (the postmaster's backends). */
function childPids(parent: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** Who is measured: the server process of the path (if any) and the database's postmaster. */
const cpuWatch: { server?: number; postmaster?: number } = {};

interface CpuSnapshot {
  client: number;
  server: number;
  /** Per backend: pools open and close connections, so each is counted from its own start. */
  backends: Map<number, { ms: number; background: boolean }>;
}

function cpuSnapshot(): CpuSnapshot {
  const own = process.cpuUsage();
  const backends = new Map<number, { ms: number; background: boolean }>();
  if (cpuWatch.postmaster !== undefined) {
    for (const pid of childPids(cpuWatch.postmaster)) {
      backends.set(pid, { ms: processCpuMs(pid), background: isBackgroundProcess(pid) });
    }
  }
  return {
    client: (own.user + own.system) / 1000,
    server: cpuWatch.server === undefined ? 0 : processCpuMs(cpuWatch.server),
    backends,
  };
}

/** CPU spent between two snapshots (a backend that exited in between is not counted). */
function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): CpuShares {
  let database = 0;
  let databaseBackground = 0;
  for (const [pid, { ms, background }] of after.backends) {
    const spent = ms - (before.backends.get(pid)?.ms ?? 0);
    if (background) databaseBackground += spent;
    else database += spent;
  }
  return {
    client: after.client - before.client,
    server: after.server - before.server,
    database,
    databaseBackground,
  };
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
  const cpuBefore = cpuSnapshot();
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
  const elapsedMs = performance.now() - started;
  const cpuAfter = cpuSnapshot();
  if (firstError) log(`first failure: ${firstError}`);
  return {
    calls: latenciesMs.length,
    errors,
    latenciesMs,
    elapsedMs,
    cpuMs: cpuBetween(cpuBefore, cpuAfter),
  };
}

/** Each worker's next mentor (an index into its own mentors); kept from phase to phase. */
const nextMentor: number[] = [];

/**
 * One worker per entry of `mentorsByWorker`, each taking its own mentors in turn and pausing
 * the active ones, resuming the paused ones.
 */
function runPhase(call: Call, mentorsByWorker: string[][], ms: number): Promise<PhaseResult> {
  return runWorkers(mentorsByWorker.length, ms, async (worker) => {
    const own = mentorsByWorker[worker] as string[];
    const index = nextMentor[worker] ?? 0;
    nextMentor[worker] = (index + 1) % own.length;
    const mentor = own[index] as string;
    const pause = !paused.get(mentor);
    await call(mentor, pause);
    paused.set(mentor, pause);
  });
}

/** A read: resolves when the rows arrived, throws when the read failed. */
type Read = () => Promise<void>;

/** A path's figures over its rounds: throughput, latency and CPU per call of each party. */
function summarize(results: PhaseResult[]) {
  const latency = summarizeLatencies(results.flatMap((result) => result.latenciesMs));
  const elapsedMs = results.reduce((sum, result) => sum + result.elapsedMs, 0);
  const calls = latency.samples;
  const cpu = (party: keyof CpuShares) =>
    results.reduce((sum, result) => sum + result.cpuMs[party], 0) / calls;
  return {
    calls,
    errors: results.reduce((sum, result) => sum + result.errors, 0),
    throughputPerSecond: calls / (elapsedMs / 1000),
    ...latency,
    cpuMsPerCall: {
      client: cpu('client'),
      server: cpu('server'),
      database: cpu('database'),
      databaseBackground: cpu('databaseBackground'),
    },
  };
}
type PathSummary = ReturnType<typeof summarize>;

/**
 * Active mentors in HLF for the workers: `perWorker` for each of `workers`, none shared (no
 * lock contention between workers).
 */
async function createBenchMentors(
  databaseUrl: string,
  workers: number,
  perWorker: number,
): Promise<string[][]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // Each mentor is paused and resumed many times within minutes: far above the per-mentor
    // transition limit, which this benchmark lifts explicitly in its own database.
    await liftStatusTransitionLimit(client);
    const byWorker = Array.from({ length: workers }, (_, worker) =>
      Array.from({ length: perWorker }, (_, index) => demoId(`bench-mentor-${worker}-${index}`)),
    );
    const ids = byWorker.flat();
    await client.query(
      `insert into public.peer_mentors (id, organization_id, display_name)
       select id, $2, 'Bench Mentor ' || n from unnest($1::uuid[]) with ordinality as m(id, n)
       on conflict (id) do nothing`,
      [ids, hlf],
    );
    await client.query(
      `update public.peer_mentor_status
       set status = 'active', reason_code = null, paused_at = null, paused_by = null,
           paused_by_role = null, expected_end = null
       where peer_mentor_id = any($1::uuid[])`,
      [ids],
    );
    return byWorker;
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

async function withAdminClient<T>(url: string, use: (client: pg.Client) => Promise<T>) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** The postmaster of the cluster behind `databaseUrl`: the parent of a backend. */
async function postmasterPid(databaseUrl: string): Promise<number | undefined> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
    const stat = readFileSync(`/proc/${rows[0]?.pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    // Not on this machine (DATABASE_URL elsewhere): the database's CPU is not reported.
    return undefined;
  } finally {
    await client.end();
  }
}

/** The API as its own process (src/index.ts), configured through its environment. */
async function startApiProcess(databaseUrl: string) {
  const port = await freeLoopbackPort();
  // node itself (tsx as a loader, not the tsx CLI): the child is the API process, whose CPU
  // time the report counts.
  const profile = flags['cpu-prof-dir']
    ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(flags['cpu-prof-dir'])}`]
    : [];
  const child = spawn(
    process.execPath,
    [...profile, '--conditions=@peer-mentor/source', '--import', 'tsx', 'src/index.ts'],
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
        LOG_LEVEL: API_LOG_LEVEL,
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
    pid: child.pid as number,
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
  return startPortPrinter('the floor server', ['-e', code], { ROW: row });
}

/**
 * The bare proxy (bench/bare-proxy.ts): node:http and a pg pool with nothing else, sending the
 * direct one-round-trip message for each call. What any Node.js hop costs on this machine.
 */
async function startBareProxy(databaseUrl: string, claims: object) {
  return startPortPrinter(
    'the bare proxy',
    ['--conditions=@peer-mentor/source', '--import', 'tsx', 'bench/bare-proxy.ts'],
    {
      DATABASE_URL: authenticatorUrl(databaseUrl),
      CLAIMS: JSON.stringify(claims),
      POOL_SIZE: String(concurrency),
    },
  );
}

/** A node process that prints the port it listens on (loopback), then serves until SIGTERM. */
async function startPortPrinter(what: string, args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, args, {
    cwd: packageRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', () => reject(new Error(`${what} exited`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid as number,
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
  const env = readEnv();
  // As bench:db runs it: a throwaway cluster without the test clusters' coverage profiler
  // (plpgsql_check instruments every PL/pgSQL statement; production runs without it).
  const cluster = env.DATABASE_URL ? null : await startLocalCluster({ binDir: env.PG_BINDIR });
  const adminUrl = env.DATABASE_URL ?? (cluster as LocalCluster).url;
  const databaseName = `pm_bench_api_${process.pid}`;
  try {
    log('migrating a bench database (platform layer + supabase db push)');
    const databaseUrl = await createTemplateDatabase(adminUrl, databaseName);
    await loadDemoData(databaseUrl);
    const mentors = await createBenchMentors(databaseUrl, concurrency, mentorsPerWorker);
    await createReadMentors(databaseUrl, READ_MENTORS);
    cpuWatch.postmaster = await postmasterPid(databaseUrl);

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
    // The same calls as raw HTTP/1.1 requests over kept-alive sockets (node:http), without
    // supabase-js and fetch: the load generator's own CPU cost drops out of the comparison.
    const rawCall = (url: string): Call => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
      const target = new URL(url);
      const headers = {
        apikey: anonKey,
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
      };
      return (mentor, pause) =>
        new Promise<void>((resolve, reject) => {
          const body = JSON.stringify(
            pause
              ? { p_peer_mentor_id: mentor, p_organization_id: hlf, p_reason_code: 'vacation' }
              : { p_peer_mentor_id: mentor, p_organization_id: hlf },
          );
          const request = http.request(
            {
              agent,
              host: target.hostname,
              port: target.port,
              method: 'POST',
              path: `/rest/v1/rpc/${pause ? 'activate_pause' : 'deactivate_pause'}`,
              headers: { ...headers, 'content-length': Buffer.byteLength(body) },
            },
            (response) => {
              const chunks: Buffer[] = [];
              response.on('data', (chunk: Buffer) => chunks.push(chunk));
              response.on('end', () => {
                const text = Buffer.concat(chunks).toString();
                if (response.statusCode === 200 && text.includes('"peer_mentor_id"')) resolve();
                else reject(new Error(`HTTP ${response.statusCode}: ${text.slice(0, 200)}`));
              });
              response.on('error', reject);
            },
          );
          request.on('error', reject);
          request.end(body);
        });
    };
    const rawViaService = rawCall(api.url);

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
    // Direct in one round trip: begin, the settings, the call and commit in one message, as the
    // API now sends it; the database's work without withCaller's two extra round trips.
    const viaDirectOneTrip: Call = async (mentor, pause) => {
      const begin = callerTransactionBegin(claims, { statementTimeoutMs: 8000 });
      const call = pause
        ? `public.activate_pause(${sqlLiteral(mentor)}, ${sqlLiteral(hlf)}, 'vacation')`
        : `public.deactivate_pause(${sqlLiteral(mentor)}, ${sqlLiteral(hlf)})`;
      await direct.query(`${begin}; select * from ${call}; commit`);
    };

    // The floor answers with a row like the ones the calls return (and never fails).
    const floor = await startFloorServer(
      JSON.stringify({
        peer_mentor_id: mentors[0]?.[0],
        organization_id: hlf,
        status: 'paused',
        version: 1,
      }),
    );
    const viaFloor = rpcCall(clientFor(floor.url));
    const rawViaFloor = rawCall(floor.url);
    // The bare proxy: the same calls through the least a Node.js hop can be.
    const bare = await startBareProxy(databaseUrl, claims);
    const viaBare = rpcCall(clientFor(bare.url));
    const rawViaBare = rawCall(bare.url);

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
    cpuWatch.server = api.pid;
    await runPhase(viaService, mentors, warmupMs);
    await runPhase(rawViaService, mentors, warmupMs / 2);
    cpuWatch.server = undefined;
    await runPhase(viaDirect, mentors, warmupMs);
    await runPhase(viaDirectOneTrip, mentors, warmupMs / 2);
    cpuWatch.server = bare.pid;
    await runPhase(viaBare, mentors, warmupMs / 2);
    await runPhase(rawViaBare, mentors, warmupMs / 2);
    cpuWatch.server = api.pid;
    for (const read of Object.values(reads)) {
      await runWorkers(concurrency, warmupMs / 2, read.service);
      await runWorkers(concurrency, warmupMs / 2, read.direct);
    }
    // The status log and the outbox were empty when the database was analyzed, so until
    // autovacuum's next analyze (up to a minute) the planner takes them for empty and every
    // transition scans both whole: on a fresh database 22,702 transitions read 257 million
    // rows of each, and a call cost 1.2-4.4 ms of database CPU instead of 0.6. Whichever path
    // ran in that first minute paid for it. Analyzed now, with the warm-up's rows in them, every
    // connection replans before the first measured call.
    log('analyzing the tables the warm-up wrote');
    await withAdminClient(databaseUrl, (client) => client.query('vacuum (analyze)'));
    const serviceRuns: PhaseResult[] = [];
    const directRuns: PhaseResult[] = [];
    const directOneTripRuns: PhaseResult[] = [];
    const floorRuns: PhaseResult[] = [];
    const rawServiceRuns: PhaseResult[] = [];
    const rawFloorRuns: PhaseResult[] = [];
    const bareRuns: PhaseResult[] = [];
    const rawBareRuns: PhaseResult[] = [];
    /** A floor phase: the floor keeps no state, so the others' mentor map stays as it was. */
    const floorPhase = async (call: Call, ms: number) => {
      const saved = new Map(paused);
      const result = await runPhase(call, mentors, ms);
      paused.clear();
      for (const [mentor, value] of saved) paused.set(mentor, value);
      return result;
    };
    /** The write paths: name, the process serving it (CPU), how a phase of it runs, its results. */
    const writePaths: [
      string,
      number | undefined,
      (ms: number) => Promise<PhaseResult>,
      PhaseResult[],
    ][] = [
      ['direct', undefined, (ms) => runPhase(viaDirect, mentors, ms), directRuns],
      [
        'direct, one round trip',
        undefined,
        (ms) => runPhase(viaDirectOneTrip, mentors, ms),
        directOneTripRuns,
      ],
      ['service', api.pid, (ms) => runPhase(viaService, mentors, ms), serviceRuns],
      ['raw HTTP → service', api.pid, (ms) => runPhase(rawViaService, mentors, ms), rawServiceRuns],
      ['bare proxy', bare.pid, (ms) => runPhase(viaBare, mentors, ms), bareRuns],
      ['raw HTTP → bare proxy', bare.pid, (ms) => runPhase(rawViaBare, mentors, ms), rawBareRuns],
      ['floor', floor.pid, (ms) => floorPhase(viaFloor, ms), floorRuns],
      ['raw HTTP → floor', floor.pid, (ms) => floorPhase(rawViaFloor, ms), rawFloorRuns],
    ];
    for (let round = 1; round <= rounds; round += 1) {
      // Every other round backwards (A B C, then C B A): drift, and the history each call
      // leaves in the database, fall on every path alike.
      const order = round % 2 === 1 ? writePaths : [...writePaths].reverse();
      for (const [name, pid, phase, results] of order) {
        cpuWatch.server = pid;
        await phase(LEAD_IN_MS);
        const result = await phase(durationMs / rounds);
        results.push(result);
        // Each phase's rate, so the spread between rounds of one path is visible in the log.
        log(
          `round ${round}/${rounds}: ${name}: ${((result.calls * 1000) / result.elapsedMs).toFixed(0)} calls/s`,
        );
      }
      cpuWatch.server = api.pid;
      for (const [name, read] of Object.entries(reads) as [
        keyof typeof reads,
        { service: Read; direct: Read },
      ][]) {
        // Alternate which side goes first, so drift hits both alike.
        const order =
          round % 2 === 1 ? (['direct', 'service'] as const) : (['service', 'direct'] as const);
        for (const side of order) {
          log(`round ${round}/${rounds}: ${name} read, ${side}`);
          cpuWatch.server = side === 'service' ? api.pid : undefined;
          await runWorkers(concurrency, LEAD_IN_MS, read[side]);
          readRuns[name][side].push(await runWorkers(concurrency, durationMs / rounds, read[side]));
        }
      }
    }
    await api.stop();
    await floor.stop();
    await bare.stop();
    await direct.end();

    const postgres = await withAdminClient(adminUrl, postgresFacts);
    const service = summarize(serviceRuns);
    const directSummary = summarize(directRuns);
    const directOneTrip = summarize(directOneTripRuns);
    const floorSummary = summarize(floorRuns);
    const rawService = summarize(rawServiceRuns);
    const rawFloor = summarize(rawFloorRuns);
    const bareSummary = summarize(bareRuns);
    const rawBare = summarize(rawBareRuns);
    const readSummaries = {
      table: {
        direct: summarize(readRuns.table.direct),
        service: summarize(readRuns.table.service),
      },
      rpc: { direct: summarize(readRuns.rpc.direct), service: summarize(readRuns.rpc.service) },
    };
    // What remains of the API's p50 once the client's HTTP round trip (the floor) and the
    // database's own work (the direct path) are taken out.
    const addedP50Ms = service.p50Ms - directSummary.p50Ms;
    const ownShareAtP50Ms = (path: PathSummary, floorOfPath: PathSummary) =>
      path.p50Ms - floorOfPath.p50Ms - directSummary.p50Ms;
    const apiOwnShareAtP50Ms = ownShareAtP50Ms(service, floorSummary);
    const rawApiOwnShareAtP50Ms = ownShareAtP50Ms(rawService, rawFloor);
    // The same for the bare proxy: the share no Node.js service on this machine gets below.
    const bareOwnShareAtP50Ms = ownShareAtP50Ms(bareSummary, floorSummary);
    const rawBareOwnShareAtP50Ms = ownShareAtP50Ms(rawBare, rawFloor);
    const throughput = (label: string, summary: PathSummary) => ({
      label: `${label} calls/s`,
      value: summary.throughputPerSecond,
    });
    /** A hop's own share at p50 (path − its floor − direct) and its throughput against direct. */
    const hopMetrics = (label: string, summary: PathSummary, ownShareAtP50Ms: number) => [
      metric(`${label}: own share at p50 (path − floor − direct)`, ownShareAtP50Ms, 'ms'),
      ratioMetric(
        `${label}: throughput ÷ direct pg`,
        throughput(label, summary),
        throughput('direct pg', directSummary),
      ),
    ];
    const cpuMetrics = (label: string, summary: PathSummary) => [
      metric(`${label}: client CPU per call`, summary.cpuMsPerCall.client, 'ms'),
      metric(`${label}: server CPU per call`, summary.cpuMsPerCall.server, 'ms'),
      metric(`${label}: database sessions' CPU per call`, summary.cpuMsPerCall.database, 'ms'),
      metric(
        `${label}: database background CPU per call`,
        summary.cpuMsPerCall.databaseBackground,
        'ms',
      ),
    ];

    await run.scenario('write: activate_pause / deactivate_pause', async () => ({
      metrics: [
        metric(
          "API's own share at p50 (API − floor − direct)",
          apiOwnShareAtP50Ms,
          'ms',
          atMost(1),
        ),
        ratioMetric(
          'throughput through the API ÷ direct pg',
          throughput('supabase-js → API', service),
          throughput('direct pg', directSummary),
          atLeast(0.7),
        ),
        metric('supabase-js → API latency p50', service.p50Ms, 'ms'),
        metric('direct pg latency p50', directSummary.p50Ms, 'ms'),
        metric(
          "API's own share at p50 against direct in one round trip",
          service.p50Ms - floorSummary.p50Ms - directOneTrip.p50Ms,
          'ms',
        ),
        metric('floor (supabase-js → canned reply) latency p50', floorSummary.p50Ms, 'ms'),
        ...hopMetrics('raw HTTP → API', rawService, rawApiOwnShareAtP50Ms),
        ...cpuMetrics('supabase-js → API', service),
        ...cpuMetrics('raw HTTP → API', rawService),
        ...cpuMetrics('direct pg', directSummary),
        ...hopMetrics('supabase-js → bare proxy', bareSummary, bareOwnShareAtP50Ms),
        ...hopMetrics('raw HTTP → bare proxy', rawBare, rawBareOwnShareAtP50Ms),
        ...cpuMetrics('supabase-js → bare proxy', bareSummary),
      ],
      details: {
        calls:
          'activate_pause / deactivate_pause alternating, one mentor per worker, as an org admin',
        direct: directSummary,
        directOneTrip,
        service,
        floor: floorSummary,
        rawService,
        rawFloor,
        bareProxy: bareSummary,
        rawBareProxy: rawBare,
        addedP50Ms,
      },
    }));
    for (const [name, call] of [
      [
        'table',
        ".from('peer_mentor_status').select(5 columns).eq('status','paused').order('paused_at',{ascending:false}).range(25, 49)",
      ],
      [
        'rpc',
        ".rpc('get_active_pauses_for_chapter', Oslo).eq('reason_code','vacation').order('paused_at',{ascending:false}).range(0, 24)",
      ],
    ] as const) {
      const summary = readSummaries[name];
      await run.scenario(`read: ${name}`, async () => ({
        metrics: [
          ratioMetric(
            'throughput through the API ÷ direct pg',
            throughput('supabase-js → API', summary.service),
            throughput('direct pg', summary.direct),
          ),
          metric('added at p50 (API − direct)', summary.service.p50Ms - summary.direct.p50Ms, 'ms'),
          metric('server CPU per call', summary.service.cpuMsPerCall.server, 'ms'),
        ],
        details: {
          call,
          as: `a coordinator; ${READ_MENTORS} extra mentors in Oslo (half paused); pages of ${PAGE}; direct = the same query shaped to the same JSON over a pg pool with withCaller (read only)`,
          ...summary,
        },
      }));
    }

    // Every path side by side, with the CPU each party spent per call (µs).
    const µs = (ms: number) => (ms * 1000).toFixed(0);
    const pathRow = (name: string, summary: PathSummary) => [
      name,
      String(summary.calls),
      String(summary.errors),
      summary.throughputPerSecond.toFixed(0),
      summary.p50Ms.toFixed(2),
      summary.p95Ms.toFixed(2),
      summary.p99Ms.toFixed(2),
      µs(summary.cpuMsPerCall.client),
      µs(summary.cpuMsPerCall.server),
      µs(summary.cpuMsPerCall.database),
      µs(summary.cpuMsPerCall.databaseBackground),
    ];
    const pathsTable = formatTable(
      [
        [
          'path',
          'calls',
          'errors',
          'calls/s',
          'p50 ms',
          'p95 ms',
          'p99 ms',
          'client µs',
          'server µs',
          'db µs',
          'db bg µs',
        ],
        pathRow('direct pg (withCaller)', directSummary),
        pathRow('direct pg, one round trip', directOneTrip),
        pathRow('supabase-js → API', service),
        pathRow('supabase-js → canned reply (floor)', floorSummary),
        pathRow('raw HTTP → API', rawService),
        pathRow('raw HTTP → canned reply (floor)', rawFloor),
        pathRow('supabase-js → bare proxy', bareSummary),
        pathRow('raw HTTP → bare proxy', rawBare),
        pathRow('read: table, direct pg', readSummaries.table.direct),
        pathRow('read: table, supabase-js → API', readSummaries.table.service),
        pathRow('read: rpc+eq/order/range, direct', readSummaries.rpc.direct),
        pathRow('read: rpc+eq/order/range, API', readSummaries.rpc.service),
      ],
      { rightAligned: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] },
    );
    const { exitCode } = run.finish({
      settings: {
        concurrency,
        durationSecondsPerPath: durationMs / 1000,
        rounds,
        warmupSeconds: warmupMs / 1000,
        apiLogLevel: API_LOG_LEVEL,
      },
      postgres,
      note: 'CPU per call (user + system, from /proc): client = this load generator, server = the API process (or the floor server), database = the sessions of the cluster (db µs) and its background processes (db bg µs: WAL writer, autovacuum, checkpointer…, which run by the second, not by the call)',
      extra: {
        apiOwnShareAtP50Ms,
        rawApiOwnShareAtP50Ms,
        bareOwnShareAtP50Ms,
        rawBareOwnShareAtP50Ms,
        addedP50Ms,
        throughputRatio: service.throughputPerSecond / directSummary.throughputPerSecond,
        cpuMsPerCall: {
          service: service.cpuMsPerCall,
          rawService: rawService.cpuMsPerCall,
          direct: directSummary.cpuMsPerCall,
          directOneTrip: directOneTrip.cpuMsPerCall,
          floor: floorSummary.cpuMsPerCall,
          rawFloor: rawFloor.cpuMsPerCall,
          bareProxy: bareSummary.cpuMsPerCall,
          rawBareProxy: rawBare.cpuMsPerCall,
        },
      },
      notes: [
        '',
        pathsTable,
        '',
        `API's own share at p50: ${apiOwnShareAtP50Ms.toFixed(2)} ms through supabase-js, ${rawApiOwnShareAtP50Ms.toFixed(2)} ms through raw HTTP`,
        `Bare proxy's own share at p50 (the least a Node.js hop adds here): ${bareOwnShareAtP50Ms.toFixed(2)} ms through supabase-js, ${rawBareOwnShareAtP50Ms.toFixed(2)} ms through raw HTTP`,
        `CPU per call through supabase-js: client ${µs(service.cpuMsPerCall.client)} µs, API ${µs(service.cpuMsPerCall.server)} µs, PostgreSQL ${µs(service.cpuMsPerCall.database)} µs; direct: client ${µs(directSummary.cpuMsPerCall.client)} µs, PostgreSQL ${µs(directSummary.cpuMsPerCall.database)} µs`,
      ],
    });
    const failed =
      service.errors +
      rawService.errors +
      directSummary.errors +
      directOneTrip.errors +
      bareSummary.errors +
      rawBare.errors +
      Object.values(readSummaries).reduce((sum, r) => sum + r.direct.errors + r.service.errors, 0);
    if (failed > 0) throw new Error(`${failed} calls failed`);
    return exitCode;
  } finally {
    if (cluster) await cluster.stop();
    else await dropDatabase(adminUrl, databaseName);
  }
}

main().then(
  (exitCode) => process.exit(exitCode),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
