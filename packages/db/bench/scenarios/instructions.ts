/**
 * The read comparisons again, counted in instructions instead of timed (bench/callgrind.ts):
 * what the server itself does per transaction under RLS and as the owner, a figure the shared
 * machine's drift does not move; get_active_pauses_for_chapter's call; and, when the write
 * scenario ran, the write RPC against the same writes as plain SQL. Beside them, the fixed
 * cost every request under RLS pays once, whatever it reads: the caller's context resolved in the transaction's first policy,
 * and what each later read of it costs (cached).
 *
 * Reported, not targets: the targets stay on latency. Runs on the bench's throwaway cluster
 * only (it restarts the server under Valgrind), after every timed scenario.
 */
import { metric, ratioMetric, type ScenarioFigures } from '@peer-mentor/bench';
import type { LocalCluster } from '../../src/postgres/local-cluster.js';
import { instructionsPerTransaction, writeCallgrindWrapper } from '../callgrind.js';
import type { ReadRosterShape } from '../load.js';
import { rosterPageScripts, timelineScripts } from './console-reads.js';
import type { BenchContext } from './context.js';
import { chapterPausesScript, coordinatorReadScript, statusReadScripts } from './read-path.js';
import { writeCountScripts } from './write-path.js';

export async function runInstructionCounts(
  context: BenchContext,
  cluster: LocalCluster,
  valgrind: string,
  url: string,
  shape: ReadRosterShape,
  options: { write?: { url: string; mentors: number; rounds: number } | undefined } = {},
): Promise<ScenarioFigures> {
  const pairs = {
    'paused statuses': statusReadScripts(),
    'roster page': rosterPageScripts(shape),
    'timeline (log + notes)': timelineScripts(shape),
    'timeline: log': timelineScripts(shape, ['log']),
    'timeline: notes': timelineScripts(shape, ['notes']),
  };
  // No owner twin: the function is the API (its target is on latency, p95 ≤ 2 ms).
  const single = { 'get_active_pauses_for_chapter, coordinator': chapterPausesScript(shape) };
  // The request's fixed cost under RLS, step by step: the claims alone, the context resolved
  // (what a transaction's first policy initPlan does), and a second read of it.
  const fixedCost = {
    'claims, nothing read': coordinatorReadScript('select 1'),
    'claims + caller context resolved': coordinatorReadScript('select private.caller_context()'),
    'claims + caller context resolved, then read again': coordinatorReadScript(
      'select private.caller_context(), private.caller_context()',
    ),
  };

  const otherProtocol = context.protocol === 'prepared' ? 'simple' : 'prepared';
  const { wrapper, outputDir } = writeCallgrindWrapper(
    cluster.workDir,
    valgrind,
    `${cluster.binaries.binDir}/postgres`,
  );
  context.progress('instructions: restarting the server under callgrind');
  await cluster.restart({ serverWrapper: wrapper });
  const counted: Record<string, number> = {};
  try {
    const count = async (
      name: string,
      script: string,
      on: { databaseUrl: string; defines?: Record<string, number> } = { databaseUrl: url },
      protocol = context.protocol,
    ) => {
      context.progress(`instructions: ${name}`);
      counted[name] = await instructionsPerTransaction({
        binDir: context.binDir,
        outputDir,
        script,
        name: name.replaceAll(/\W+/g, '-'),
        protocol,
        ...on,
      });
    };
    if (options.write) {
      // One client: the scripts' mentors are the first client's of their ranges.
      const writes = writeCountScripts(
        options.write.mentors,
        options.write.rounds,
        context.clients,
      );
      for (const [name, { script, defines }] of Object.entries(writes)) {
        await count(`write: ${name}`, script, { databaseUrl: options.write.url, defines });
        // The other protocol too: the plain SQL is one large statement, planned again on every
        // transaction under the simple protocol, while the RPC's statements keep their plans
        // inside PL/pgSQL under either, so the ratio depends on the protocol.
        await count(
          `write: ${name}, ${otherProtocol} protocol`,
          script,
          { databaseUrl: options.write.url, defines },
          otherProtocol,
        );
      }
    }
    for (const [name, scripts] of Object.entries(pairs)) {
      await count(`${name}, RLS`, scripts.rls);
      await count(`${name}, owner`, scripts.owner);
    }
    for (const [name, script] of Object.entries({ ...single, ...fixedCost })) {
      await count(name, script);
    }
  } finally {
    context.progress('instructions: restarting the server without callgrind');
    await cluster.restart();
  }

  const thousands = (name: string) => (counted[name] ?? Number.NaN) / 1000;
  const claimsOnly = thousands('claims, nothing read');
  const resolved = thousands('claims + caller context resolved');
  const readAgain = thousands('claims + caller context resolved, then read again');
  const writePair = (suffix: string, label: string) => [
    metric(
      `write: RPC, per transaction${label}`,
      thousands(`write: rpc${suffix}`),
      'k instructions',
    ),
    metric(
      `write: plain SQL, per transaction${label}`,
      thousands(`write: plain${suffix}`),
      'k instructions',
    ),
    // In the sense of the timed target (RPC ÷ plain-SQL throughput ≥ 0.95).
    ratioMetric(
      `write: ratio plain SQL ÷ RPC (instructions)${label}`,
      {
        label: 'plain-SQL instructions per transaction',
        value: thousands(`write: plain${suffix}`),
      },
      { label: 'RPC instructions per transaction', value: thousands(`write: rpc${suffix}`) },
    ),
  ];
  const writeMetrics = options.write
    ? [
        ...writePair('', ''),
        ...writePair(`, ${otherProtocol} protocol`, `, ${otherProtocol} protocol`),
      ]
    : [];
  return {
    metrics: [
      ...writeMetrics,
      ...Object.keys(pairs).flatMap((name) => [
        metric(`${name}: RLS, per transaction`, thousands(`${name}, RLS`), 'k instructions'),
        metric(`${name}: owner, per transaction`, thousands(`${name}, owner`), 'k instructions'),
        ratioMetric(
          `${name}: ratio RLS ÷ owner (instructions)`,
          { label: 'RLS instructions per transaction', value: thousands(`${name}, RLS`) },
          { label: 'owner instructions per transaction', value: thousands(`${name}, owner`) },
        ),
      ]),
      ...Object.keys(single).map((name) =>
        metric(`${name}, per transaction`, thousands(name), 'k instructions'),
      ),
      metric('a claims transaction, nothing read', claimsOnly, 'k instructions'),
      metric(
        'caller context: resolving it (once per request)',
        resolved - claimsOnly,
        'k instructions',
      ),
      metric('caller context: each later read (cached)', readAgain - resolved, 'k instructions'),
    ],
    details: {
      protocol: context.protocol,
      method:
        'valgrind --tool=callgrind on the server; pgbench, one client, 20 transactions unmeasured, then 20 and 120; (I(120) - I(20)) / 100 of the client backend; autovacuum and parallel query off while counting',
      instructionsPerTransaction: counted,
      scripts: { pairs, single, fixedCost },
    },
  };
}
