import { latencyMetrics, metric, type ScenarioFigures } from '@peer-mentor/bench';
import { checkpoint, withClient } from '../connection.js';
import { benchId, ID_KEY_OFFSET, pgbenchId, pgbenchUuid } from '../ids.js';
import { loadWriteRoster, WRITE_ORGANIZATION } from '../load.js';
import { comparePgbench, runPgbench } from '../pgbench.js';
import { benchClaims, pgbenchScript, postgrestTransaction, sqlLiteral } from '../scripts.js';
import { type BenchContext, pgbenchRun } from './context.js';

/**
 * Each client owns mentors first + [client_id * perClient + 1, (client_id + 1) * perClient] and
 * walks through them: odd transactions pause the current mentor, even ones resume it. `step`
 * counts the client's transactions (pgbench keeps variables across a client's transactions);
 * `first` (a -D define) moves each run to mentors no earlier run has left half-way.
 */
const mentorKeyLine = (mentorsPerClient: number) =>
  `\\set mentor_key ${ID_KEY_OFFSET} + :first + :client_id * ${mentorsPerClient} + ((:step - 1) / 2) % ${mentorsPerClient} + 1`;

export function writePathScript(mentorsPerClient: number): string {
  const organizationId = benchId('organization', WRITE_ORGANIZATION);
  const mentor = pgbenchUuid('peerMentor', 'mentor_key');
  const organization = sqlLiteral(organizationId);
  return pgbenchScript([
    '\\set step :step + 1',
    mentorKeyLine(mentorsPerClient),
    ...postgrestTransaction(benchClaims(pgbenchId('mentorUser', 'mentor_key'), organizationId), [
      '\\if :step % 2 = 1',
      `select * from public.activate_pause(p_peer_mentor_id => ${mentor}, p_organization_id => ${organization}, p_reason_code => 'personal');`,
      '\\else',
      `select * from public.deactivate_pause(p_peer_mentor_id => ${mentor}, p_organization_id => ${organization});`,
      '\\endif',
    ]),
  ]);
}

/**
 * The like-for-like baseline: the same writes one transition makes (status row, log row and
 * outbox event with the same payload, in one statement, with their indexes, foreign keys,
 * checks and triggers; no note, as the RPC calls pass none), run by the
 * table owner as plain SQL, without the RPC's authorization, validation and advisory lock.
 * Same transaction shape as the RPC script (begin, the same claims set_config, one
 * statement, commit), same clients, same mentors.
 */
export function plainWritesScript(mentorsPerClient: number): string {
  const mentor = pgbenchUuid('peerMentor', 'mentor_key');
  const user = pgbenchUuid('mentorUser', 'mentor_key');
  const organizationId = benchId('organization', WRITE_ORGANIZATION);
  return pgbenchScript([
    '\\set step :step + 1',
    mentorKeyLine(mentorsPerClient),
    ...postgrestTransaction(
      {
        ...benchClaims(pgbenchId('mentorUser', 'mentor_key'), organizationId),
        role: 'service_role',
      },
      [
        `with updated as (
  update public.peer_mentor_status s
  set status = case s.status when 'active' then 'paused' else 'active' end::public.pause_status,
      reason_code = case s.status when 'active' then 'personal' end::public.pause_reason_code,
      paused_at = case s.status when 'active' then now() end,
      paused_by = case s.status when 'active' then ${user} end,
      paused_by_role = case s.status when 'active' then 'peer_mentor' end::public.status_actor_role,
      expected_end = null,
      version = s.version + 1,
      updated_at = now()
  where s.peer_mentor_id = ${mentor}
  returning s.*
), logged as (
  insert into public.peer_mentor_status_log (peer_mentor_id, organization_id, from_status, to_status,
    reason_code, actor_role, actor_user_id, version)
  select u.peer_mentor_id, u.organization_id,
         case u.status when 'paused' then 'active' else 'paused' end::public.pause_status, u.status,
         u.reason_code, 'peer_mentor', ${user}, u.version
  from updated u
), queued as (
  insert into private.status_change_outbox (peer_mentor_id, organization_id, status_version, payload)
  select u.peer_mentor_id, u.organization_id, u.version,
         jsonb_build_object('peer_mentor_id', u.peer_mentor_id, 'organization_id', u.organization_id,
           'status', u.status, 'reason_code', u.reason_code, 'paused_at', u.paused_at,
           'expected_end', u.expected_end, 'actor_role', 'peer_mentor', 'version', u.version,
           'occurred_at', u.updated_at)
  from updated u
)
select u.status, u.version from updated u;`,
      ],
    ).map((line) =>
      // The owner runs it: no role switch, but the same set_config round trip as the RPC.
      line.replace("set_config('role', 'service_role', true), ", ''),
    ),
  ]);
}

function countLogRows(url: string): Promise<number> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ n: number }>(
      'select count(*)::int as n from public.peer_mentor_status_log',
    );
    return rows[0]!.n;
  });
}

/**
 * The write roster, in ranges of `mentors` mentors: the RPC's rounds, the plain SQL's rounds,
 * one warm-up range each, then one range each for the instruction counts. A range is given by
 * its first mentor number - 1 (the script's `first`).
 */
function writeRanges(mentors: number, rounds: number) {
  return {
    measured: {
      rpc: (round: number) => round * mentors,
      plain: (round: number) => (rounds + round) * mentors,
    },
    warmUp: { rpc: rounds * 2 * mentors, plain: (rounds * 2 + 1) * mentors },
    // For the instruction counts (scenarios/instructions.ts), after every timed run.
    counted: { rpc: (rounds * 2 + 2) * mentors, plain: (rounds * 2 + 3) * mentors },
    size: (rounds * 2 + 4) * mentors,
  };
}

/**
 * The RPC and the plain-SQL writes for one client counting instructions, each on a range of
 * mentors no timed run touched (`defines` for pgbench's -D).
 */
export function writeCountScripts(mentors: number, rounds: number, clients: number) {
  const mentorsPerClient = Math.floor(mentors / clients);
  const { counted } = writeRanges(mentors, rounds);
  return {
    rpc: { script: writePathScript(mentorsPerClient), defines: { step: 0, first: counted.rpc } },
    plain: {
      script: plainWritesScript(mentorsPerClient),
      defines: { step: 0, first: counted.plain },
    },
  };
}

/** How many mentors the write path loads (contention takes the next one). */
export const writeRosterSize = (mentors: number, rounds: number) =>
  writeRanges(mentors, rounds).size;

/** Seconds of each unmeasured warm-up run (RPC, then plain SQL) before the comparison. */
const WARM_UP_SECONDS = 3;

/**
 * Write path: one pause/resume RPC per transaction, each mentor acting on themselves, against
 * pgbench's built-in simple-update (`-N`) on the same cluster and the plain-SQL writes, with the
 * same clients, in alternating rounds (comparePgbench). Every RPC and plain-SQL run gets its own
 * `mentors` mentors of the write organization (loaded first), so no run starts on a mentor an
 * earlier run left paused.
 *
 * Before the comparison both workloads run once, unmeasured, on mentors of their own, and the
 * tables are vacuumed and analyzed: without it the first workload on the fresh roster paid for
 * whatever that run warms (the log and the outbox start empty): the RPC's first round ran at
 * about half its second round's rate while the plain SQL's two rounds agreed, which made the
 * ratio a measure of run order.
 */
export async function runWritePath(
  context: BenchContext,
  urls: { roster: string; baseline: string },
  mentors: number,
  rounds: number,
): Promise<ScenarioFigures> {
  const mentorsPerClient = Math.floor(mentors / context.clients);
  const ranges = writeRanges(mentors, rounds);
  const rosterSize = ranges.size;
  context.progress(
    `write path: loading ${rosterSize.toLocaleString('en-US')} mentors with logins (${mentors.toLocaleString('en-US')} per run)`,
  );
  const loadStarted = performance.now();
  await withClient(urls.roster, (client) => loadWriteRoster(client, 1, rosterSize));
  const loadSeconds = (performance.now() - loadStarted) / 1000;

  const script = writePathScript(mentorsPerClient);
  const plainScript = plainWritesScript(mentorsPerClient);
  const labels = {
    baseline: 'pgbench -N baseline',
    rpc: 'activate_pause / deactivate_pause as the mentor',
    plain: 'the same writes as plain SQL by the owner (no checks, no lock)',
  };
  for (const [name, text] of [
    ['rpc', script],
    ['plain', plainScript],
  ] as const) {
    context.progress(`write path, warm-up: ${labels[name]}, ${WARM_UP_SECONDS} s`);
    await runPgbench({
      ...pgbenchRun(context),
      databaseUrl: urls.roster,
      workload: { kind: 'script', name: `write-path-warm-up-${name}`, text },
      durationSeconds: WARM_UP_SECONDS,
      defines: { step: 0, first: ranges.warmUp[name] },
    });
  }
  // The load's and the warm-ups' dirty pages written now, not by a checkpoint during the rounds.
  await withClient(urls.roster, (client) => client.query('vacuum (analyze)'));
  await checkpoint(urls.roster);
  const logRowsBefore = await countLogRows(urls.roster);
  const { baseline, rpc, plain } = await comparePgbench(
    {
      baseline: {
        ...pgbenchRun(context),
        databaseUrl: urls.baseline,
        workload: { kind: 'simple-update' },
      },
      rpc: {
        ...pgbenchRun(context),
        databaseUrl: urls.roster,
        workload: { kind: 'script', name: 'write-path', text: script },
        defines: (round) => ({ step: 0, first: ranges.measured.rpc(round) }),
      },
      plain: {
        ...pgbenchRun(context),
        databaseUrl: urls.roster,
        workload: { kind: 'script', name: 'write-path-plain', text: plainScript },
        defines: (round) => ({ step: 0, first: ranges.measured.plain(round) }),
      },
    },
    {
      durationSeconds: context.durationSeconds,
      rounds,
      progress: (name, round, seconds) =>
        context.progress(`write path, round ${round + 1}/${rounds}: ${labels[name]}, ${seconds} s`),
    },
  );
  // Each plain-SQL transaction logs exactly one row too; the rest are the RPCs' transitions.
  const transitionsLogged =
    (await countLogRows(urls.roster)) - logRowsBefore - plain.summary.processed;

  return {
    metrics: [
      metric('RPC transactions/s', rpc.summary.tps, 'tx/s'),
      metric('pgbench -N transactions/s', baseline.summary.tps, 'tx/s'),
      // Reported only: pgbench -N writes other rows than the RPC does.
      metric('ratio RPC ÷ -N (tx/s)', rpc.summary.tps / baseline.summary.tps, 'ratio'),
      metric('plain-SQL writes transactions/s', plain.summary.tps, 'tx/s'),
      // The safety layer's cost: the same writes by the owner, without the RPC's checks.
      metric('ratio RPC ÷ plain-SQL writes (tx/s)', rpc.summary.tps / plain.summary.tps, 'ratio', {
        comparison: '>=',
        limit: 0.95,
      }),
      ...latencyMetrics('RPC', rpc.latency),
      ...latencyMetrics('-N', baseline.latency),
      ...latencyMetrics('plain-SQL writes', plain.latency),
    ],
    details: {
      mentorsPerRun: mentors,
      mentorsPerClient,
      rounds,
      warmUpSeconds: WARM_UP_SECONDS,
      loadSeconds,
      transitionsLogged,
      rpc,
      baseline,
      plain,
      script,
      plainScript,
    },
  };
}
