import { latencyMetrics, metric, type ScenarioFigures } from '@peer-mentor/bench';
import { withClient } from '../connection.js';
import { benchId } from '../ids.js';
import { loadWriteRoster, WRITE_ORGANIZATION } from '../load.js';
import { runPgbench } from '../pgbench.js';
import { benchClaims, pgbenchScript, postgrestTransaction, sqlLiteral } from '../scripts.js';
import { type BenchContext, pgbenchRun } from './context.js';

/**
 * Created in the benchmark database only, never in a migration. pgbench aborts a client on any
 * SQL error, so the two outcomes a race legitimately produces (PM409 already paused, PM410 not
 * paused) are returned instead; every other error still propagates and aborts the client.
 */
const TRY_TRANSITION_SQL = `
create schema bench;
grant usage on schema bench to authenticated;

create function bench.try_transition(p_action text, p_peer_mentor_id uuid, p_organization_id uuid)
returns text
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
  if p_action = 'pause' then
    perform public.activate_pause(p_peer_mentor_id, p_organization_id, 'personal');
    return 'paused';
  end if;
  perform public.deactivate_pause(p_peer_mentor_id, p_organization_id);
  return 'resumed';
exception
  when sqlstate 'PM409' then return 'already_paused';
  when sqlstate 'PM410' then return 'not_paused';
end
$$;
grant execute on function bench.try_transition(text, uuid, uuid) to authenticated;
`;

/** Every client pauses and resumes the same mentor in turn, as that mentor. */
export function contentionScript(mentorNumber: number): string {
  const organizationId = benchId('organization', WRITE_ORGANIZATION);
  const mentor = sqlLiteral(benchId('peerMentor', mentorNumber));
  return pgbenchScript([
    '\\set step :step + 1',
    ...postgrestTransaction(benchClaims(benchId('mentorUser', mentorNumber), organizationId), [
      `select bench.try_transition(case when (:step)::int % 2 = 1 then 'pause' else 'resume' end, ${mentor}, ${sqlLiteral(organizationId)});`,
    ]),
  ]);
}

interface MentorHistory {
  version: number;
  logRows: number;
  maxLogVersion: number;
}

function mentorHistory(url: string, mentorId: string): Promise<MentorHistory> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<MentorHistory>(
      `select s.version,
              (select count(*)::int from public.peer_mentor_status_log l where l.peer_mentor_id = s.peer_mentor_id) as "logRows",
              (select coalesce(max(l.version), 0) from public.peer_mentor_status_log l where l.peer_mentor_id = s.peer_mentor_id) as "maxLogVersion"
       from public.peer_mentor_status s
       where s.peer_mentor_id = $1`,
      [mentorId],
    );
    if (!rows[0]) throw new Error(`contention mentor ${mentorId} has no status row`);
    return rows[0];
  });
}

/**
 * Contention: all clients race on one mentor (loaded here, with its login, in the write
 * organization; `mentorNumber` must be outside the write path's range). Each call either makes a transition or returns
 * PM409/PM410; any other error aborts a client and fails the scenario. Afterwards the mentor's
 * version must equal its number of log rows, with log versions 1..n.
 */
export async function runContention(
  context: BenchContext,
  url: string,
  mentorNumber: number,
): Promise<ScenarioFigures> {
  const mentorId = benchId('peerMentor', mentorNumber);
  await withClient(url, async (client) => {
    await loadWriteRoster(client, mentorNumber, mentorNumber);
    await client.query(TRY_TRANSITION_SQL);
  });
  const before = await mentorHistory(url, mentorId);
  context.progress(
    `contention: ${context.clients} clients on one mentor, ${context.durationSeconds} s`,
  );
  const script = contentionScript(mentorNumber);
  const run = await runPgbench({
    ...pgbenchRun(context),
    databaseUrl: url,
    workload: { kind: 'script', name: 'contention', text: script },
    defines: { step: 0 },
  });
  const after = await mentorHistory(url, mentorId);
  const transitions = after.logRows - before.logRows;
  if (after.version !== after.logRows || after.maxLogVersion !== after.logRows) {
    throw new Error(
      `mentor history is inconsistent after the race: version ${after.version}, ${after.logRows} log rows, newest log version ${after.maxLogVersion}`,
    );
  }
  const durationSeconds = context.durationSeconds;
  return {
    metrics: [
      metric('calls/s', run.summary.tps, 'tx/s'),
      metric('calls completed', run.summary.processed, 'count'),
      metric('successful transitions', transitions, 'count'),
      metric('successful transitions/s', transitions / durationSeconds, 'tx/s'),
      metric(
        'calls answered PM409/PM410',
        Math.max(0, run.summary.processed - transitions),
        'count',
      ),
      // runPgbench throws on an aborted client, so reaching here means none aborted.
      metric('other errors (failed transactions)', run.summary.failed, 'count', {
        comparison: '<=',
        limit: 0,
      }),
      ...latencyMetrics('call', run.latency),
    ],
    details: {
      mentorId,
      before,
      after,
      transitions,
      run,
      script,
      wrapper: TRY_TRANSITION_SQL.trim(),
    },
  };
}
