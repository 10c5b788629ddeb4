import { withClient } from '../connection.js';
import { benchId, ID_KEY_OFFSET, pgbenchId } from '../ids.js';
import { loadWriteRoster, WRITE_ORGANIZATION } from '../load.js';
import { runPgbench } from '../pgbench.js';
import { latencyMetrics, metric, type ScenarioFigures } from '../report.js';
import { benchClaims, pgbenchScript, postgrestTransaction, sqlLiteral } from '../scripts.js';
import { type BenchContext, pgbenchRun } from './context.js';

/**
 * Each client owns mentors [client_id * perClient + 1, (client_id + 1) * perClient] and walks
 * through them: odd transactions pause the current mentor, even ones resume it. `step` counts
 * the client's transactions (pgbench keeps variables across a client's transactions).
 */
export function writePathScript(mentorsPerClient: number): string {
  const organizationId = benchId('organization', WRITE_ORGANIZATION);
  const mentor = sqlLiteral(pgbenchId('peerMentor', 'mentor_key'));
  const organization = sqlLiteral(organizationId);
  return pgbenchScript([
    '\\set step :step + 1',
    `\\set mentor_key ${ID_KEY_OFFSET} + :client_id * ${mentorsPerClient} + ((:step - 1) / 2) % ${mentorsPerClient} + 1`,
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
 * outbox event in one statement, with their indexes, foreign keys and checks), run by the
 * table owner as plain SQL, without the RPC's authorization, validation and advisory lock.
 * Same transaction shape as the RPC script (begin, the same claims set_config, one
 * statement, commit), same clients, same mentors.
 */
export function plainWritesScript(mentorsPerClient: number): string {
  const mentor = sqlLiteral(pgbenchId('peerMentor', 'mentor_key'));
  const user = sqlLiteral(pgbenchId('mentorUser', 'mentor_key'));
  const organizationId = benchId('organization', WRITE_ORGANIZATION);
  return pgbenchScript([
    '\\set step :step + 1',
    `\\set mentor_key ${ID_KEY_OFFSET} + :client_id * ${mentorsPerClient} + ((:step - 1) / 2) % ${mentorsPerClient} + 1`,
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
      note = null,
      paused_at = case s.status when 'active' then now() end,
      paused_by = case s.status when 'active' then ${user}::uuid end,
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
         u.reason_code, 'peer_mentor', ${user}::uuid, u.version
  from updated u
), queued as (
  insert into private.status_change_outbox (peer_mentor_id, organization_id, status_version, payload)
  select u.peer_mentor_id, u.organization_id, u.version,
         jsonb_build_object('peer_mentor_id', u.peer_mentor_id, 'status', u.status, 'version', u.version)
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
 * Write path: one pause/resume RPC per transaction, each mentor acting on themselves, against
 * pgbench's built-in simple-update (`-N`) on the same cluster with the same clients and duration.
 * Loads mentors 1..`mentors` of the write organization first.
 */
export async function runWritePath(
  context: BenchContext,
  urls: { roster: string; baseline: string },
  mentors: number,
): Promise<ScenarioFigures> {
  const mentorsPerClient = Math.floor(mentors / context.clients);
  context.progress(`write path: loading ${mentors.toLocaleString('en-US')} mentors with logins`);
  const loadStarted = performance.now();
  await withClient(urls.roster, (client) => loadWriteRoster(client, 1, mentors));
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  context.progress(`write path: pgbench -N baseline, ${context.durationSeconds} s`);
  const baseline = await runPgbench({
    ...pgbenchRun(context),
    databaseUrl: urls.baseline,
    workload: { kind: 'simple-update' },
  });
  context.progress(
    `write path: activate_pause / deactivate_pause as the mentor, ${context.durationSeconds} s`,
  );
  const script = writePathScript(mentorsPerClient);
  const logRowsBefore = await countLogRows(urls.roster);
  const rpc = await runPgbench({
    ...pgbenchRun(context),
    databaseUrl: urls.roster,
    workload: { kind: 'script', name: 'write-path', text: script },
    defines: { step: 0 },
  });
  const transitionsLogged = (await countLogRows(urls.roster)) - logRowsBefore;
  context.progress(
    `write path: the same writes as plain SQL by the owner (no checks, no lock), ${context.durationSeconds} s`,
  );
  const plainScript = plainWritesScript(mentorsPerClient);
  const plain = await runPgbench({
    ...pgbenchRun(context),
    databaseUrl: urls.roster,
    workload: { kind: 'script', name: 'write-path-plain', text: plainScript },
    defines: { step: 0 },
  });

  return {
    metrics: [
      metric('RPC transactions/s', rpc.summary.tps, 'tx/s'),
      metric('pgbench -N transactions/s', baseline.summary.tps, 'tx/s'),
      metric('ratio RPC ÷ -N (tx/s)', rpc.summary.tps / baseline.summary.tps, 'ratio', {
        comparison: '>=',
        limit: 1,
      }),
      metric('plain-SQL writes transactions/s', plain.summary.tps, 'tx/s'),
      metric('ratio RPC ÷ plain-SQL writes (tx/s)', rpc.summary.tps / plain.summary.tps, 'ratio'),
      ...latencyMetrics('RPC', rpc.latency),
      ...latencyMetrics('-N', baseline.latency),
      ...latencyMetrics('plain-SQL writes', plain.latency),
    ],
    details: {
      mentors,
      mentorsPerClient,
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
