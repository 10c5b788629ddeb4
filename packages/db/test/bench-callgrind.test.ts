// The instruction counts of bench:db (bench/callgrind.ts) on a real server under Valgrind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  callgrindTotal,
  findValgrind,
  instructionsPerTransaction,
  writeCallgrindWrapper,
} from '../bench/callgrind.js';
import { withClient } from '../bench/connection.js';
import { sqlText } from '../bench/scripts.js';
import { type LocalCluster, startLocalCluster } from '../src/postgres/local-cluster.js';

describe('callgrindTotal', () => {
  it('reads the totals line of a finished output file, and nothing from one still being written', () => {
    const finished = [
      'version: 1',
      'events: Ir',
      'fn=(1) main',
      '3 120',
      'summary: 98765',
      'totals: 98765',
      '',
    ].join('\n');
    expect(callgrindTotal(finished)).toBe(98765);
    expect(callgrindTotal(['version: 1', 'events: Ir', 'fn=(1) main', ''].join('\n'))).toBeNull();
  });
});

const valgrind = findValgrind();

describe.skipIf(!valgrind)('instructionsPerTransaction under callgrind', () => {
  let cluster: LocalCluster;
  let outputDir: string;
  const transactions = { short: 5, long: 25 };
  const script = (statement: string) => `begin;\n${statement};\ncommit;\n`;
  const count = (
    name: string,
    statement: string,
    protocol: 'simple' | 'prepared' = 'simple',
    defines: Record<string, number> = {},
  ) =>
    instructionsPerTransaction({
      binDir: cluster.binaries.binDir,
      databaseUrl: cluster.url,
      outputDir,
      script: script(statement),
      name,
      transactions,
      protocol,
      defines,
    });

  beforeAll(async () => {
    cluster = await startLocalCluster();
    const written = writeCallgrindWrapper(
      cluster.workDir,
      valgrind!,
      `${cluster.binaries.binDir}/postgres`,
    );
    outputDir = written.outputDir;
    await cluster.restart({ serverWrapper: written.wrapper });
  }, 300_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 120_000);

  it('gives the same count for the same work, and a larger one for more work', async () => {
    // Real work per transaction, as in bench:db (hundreds of thousands of instructions at the
    // least): a transaction of `select 1` is ~54 k, and the server's time-driven chores (the
    // statistics it flushes at most once a second) then move its count by a few percent on a
    // loaded machine.
    const rows = (n: number) => `select count(*) from generate_series(1, ${n})`;
    const small = await count('small', rows(2_000));
    const again = await count('small-again', rows(2_000));
    const large = await count('large', rows(20_000));
    expect(small).toBeGreaterThan(0);
    // Deterministic to well within a percent (latency on this machine drifts by tens of percent).
    expect(Math.abs(again - small) / small, `${small} then ${again}`).toBeLessThan(0.01);
    // 18,000 more rows through a function scan and an aggregate: millions of instructions more.
    expect(large - small, `${small} against ${large}`).toBeGreaterThan(1_000_000);
  }, 300_000);

  it('plans a statement once per connection under the prepared protocol, on every transaction under the simple one', async () => {
    // A five-way join of catalogs that returns nothing: almost all of its cost is planning.
    const join = `select c.relname from pg_catalog.pg_class c
      join pg_catalog.pg_attribute a on a.attrelid = c.oid
      join pg_catalog.pg_type t on t.oid = a.atttypid
      join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      join pg_catalog.pg_proc p on p.prorettype = t.oid
      where c.relname = ${sqlText('no-such-:key')} limit 0`;
    const simple = await count('planned-each-time', join, 'simple', { key: 1 });
    const prepared = await count('planned-once', join, 'prepared', { key: 1 });
    expect(prepared, `simple ${simple}, prepared ${prepared}`).toBeLessThan(simple / 2);
  }, 300_000);

  it('restarts the server without the profiler on the same data', async () => {
    await withClient(cluster.url, (client) =>
      client.query('create table kept (n int); insert into kept values (7)'),
    );
    await cluster.restart();
    const rows = await withClient(cluster.url, (client) =>
      client.query<{ n: number }>('select n from kept'),
    );
    expect(rows.rows).toEqual([{ n: 7 }]);
  }, 300_000);
});
