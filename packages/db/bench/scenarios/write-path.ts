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

  return {
    metrics: [
      metric('RPC transactions/s', rpc.summary.tps, 'tx/s'),
      metric('pgbench -N transactions/s', baseline.summary.tps, 'tx/s'),
      metric('ratio RPC ÷ -N (tx/s)', rpc.summary.tps / baseline.summary.tps, 'ratio', {
        comparison: '>=',
        limit: 1,
      }),
      ...latencyMetrics('RPC', rpc.latency),
      ...latencyMetrics('-N', baseline.latency),
    ],
    details: {
      mentors,
      mentorsPerClient,
      loadSeconds,
      transitionsLogged,
      rpc,
      baseline,
      script,
    },
  };
}
