import { latencyMetrics, type Metric, metric, ratioMetric, type Target } from '@peer-mentor/bench';
import type { JwtClaims } from '../../src/caller.js';
import { type ComparedResult, comparePgbench } from '../pgbench.js';
import { pgbenchScript, postgrestTransaction, sqlText } from '../scripts.js';
import { type BenchContext, pgbenchRun } from './context.js';

/** A read as a caller under RLS and the same read as the table owner, measured in one run. */
export interface RlsAndOwner {
  rls: ComparedResult;
  owner: ComparedResult;
}

/**
 * pgbench scripts with one request per statement, as PostgREST runs it: as the caller (role
 * and claims set), or as the owner with the same claims set (no RLS; only the role differs).
 * `prelude` (pgbench meta-commands) comes first in both.
 */
export function rlsAndOwnerScripts(
  claims: JwtClaims,
  statements: { rls: readonly string[]; owner: readonly string[] },
  prelude: readonly string[] = [],
): { rls: string; owner: string } {
  const rls = statements.rls.flatMap((statement) =>
    postgrestTransaction(claims, [`${statement};`], { readOnly: true }),
  );
  const owner = statements.owner.flatMap((statement) => [
    'begin read only;',
    `select set_config('request.jwt.claims', ${sqlText(JSON.stringify(claims))}, true);`,
    `${statement};`,
    'commit;',
  ]);
  return {
    rls: pgbenchScript([...prelude, ...rls]),
    owner: pgbenchScript([...prelude, ...owner]),
  };
}

/**
 * The two scripts against each other in alternating rounds (comparePgbench), so neither gets
 * the quieter half of the run.
 */
export function compareRlsToOwner(
  context: BenchContext,
  url: string,
  label: string,
  scripts: { rls: string; owner: string },
  rounds: number,
): Promise<RlsAndOwner> {
  const names = { rls: 'under RLS', owner: 'as the owner (no RLS)' };
  const slug = label.replaceAll(/\W+/g, '-');
  const workload = (name: 'rls' | 'owner') => ({
    ...pgbenchRun(context),
    databaseUrl: url,
    workload: { kind: 'script' as const, name: `${slug}-${name}`, text: scripts[name] },
  });
  return comparePgbench(
    { rls: workload('rls'), owner: workload('owner') },
    {
      durationSeconds: context.durationSeconds,
      rounds,
      progress: (name, round, seconds) =>
        context.progress(`${label}, round ${round + 1}/${rounds}: ${names[name]}, ${seconds} s`),
    },
  );
}

/** Throughput, latency and the RLS ÷ owner ratios: mean latency (the target), p95 reported. */
export function rlsAndOwnerMetrics({ rls, owner }: RlsAndOwner, target: Target): Metric[] {
  return [
    metric('RLS transactions/s', rls.summary.tps, 'tx/s'),
    metric('owner transactions/s', owner.summary.tps, 'tx/s'),
    ...latencyMetrics('RLS', rls.latency),
    ...latencyMetrics('owner', owner.latency),
    ratioMetric(
      'ratio RLS ÷ owner (mean latency)',
      { label: 'RLS mean latency', value: rls.latency.meanMs },
      { label: 'owner mean latency', value: owner.latency.meanMs },
      target,
    ),
    ratioMetric(
      'ratio RLS ÷ owner (p95 latency)',
      { label: 'RLS p95 latency', value: rls.latency.p95Ms },
      { label: 'owner p95 latency', value: owner.latency.p95Ms },
    ),
  ];
}
