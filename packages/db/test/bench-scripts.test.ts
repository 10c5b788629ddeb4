// bench:db's pgbench scripts run on a migrated clone under both of pgbench's protocols: the
// prepared one (the bench's default, as PostgREST sends statements) passes the scripts'
// variables as values, so no script may edit the inside of a literal.
import { useTestDatabase } from '@peer-mentor/db/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { withClient } from '../bench/connection.js';
import { loadReadRoster, loadWriteRoster, type ReadRosterShape } from '../bench/load.js';
import { type PgbenchProtocol, runPgbench } from '../bench/pgbench.js';
import {
  loadConsoleData,
  rosterPageScripts,
  timelineScripts,
} from '../bench/scenarios/console-reads.js';
import type { BenchContext } from '../bench/scenarios/context.js';
import { chapterPausesScript, statusReadScripts } from '../bench/scenarios/read-path.js';
import { plainWritesScript, writePathScript } from '../bench/scenarios/write-path.js';
import { sqlText } from '../bench/scripts.js';
import { findPostgresBinaries } from '../src/postgres/binaries.js';
import { liftStatusTransitionLimit } from '../src/transition-limit.js';

const reads = useTestDatabase();
const writes = useTestDatabase();
const PROTOCOLS: PgbenchProtocol[] = ['simple', 'prepared'];
const CLIENTS = 2;
const MENTORS_PER_CLIENT = 100;
const shape: ReadRosterShape = {
  mentors: 2_000,
  organizations: 2,
  chaptersPerOrganization: 10,
  pausedOneIn: 20,
  batchSize: 2_000,
};

const context = (protocol: PgbenchProtocol): BenchContext => ({
  binDir: findPostgresBinaries().binDir,
  clients: CLIENTS,
  threads: 1,
  durationSeconds: 1,
  protocol,
  progress: () => {},
});

const run = (
  url: string,
  protocol: PgbenchProtocol,
  name: string,
  text: string,
  defines?: Record<string, number>,
) =>
  runPgbench({
    ...context(protocol),
    databaseUrl: url,
    workload: { kind: 'script', name, text },
    ...(defines ? { defines } : {}),
  });

const logRows = (url: string) =>
  withClient(url, async (client) => {
    const { rows } = await client.query<{ n: number }>(
      'select count(*)::int as n from public.peer_mentor_status_log',
    );
    return rows[0]!.n;
  });

describe('sqlText', () => {
  it('keeps text without variables a literal, and joins variables as values', () => {
    expect(sqlText("it's")).toBe("'it''s'");
    expect(sqlText('{"sub":"a-:key","n":":n"}')).toBe(
      `('{"sub":"a-' || :key::text || '","n":"' || :n::text || '"}')`,
    );
    expect(sqlText(':key')).toBe('(:key::text)');
  });
});

describe('the bench scripts under both protocols', () => {
  beforeAll(async () => {
    await withClient(reads.url, (client) => loadReadRoster(client, shape, () => {}));
    await loadConsoleData(context('prepared'), reads.url);
    await withClient(writes.url, async (client) => {
      await liftStatusTransitionLimit(client);
      await loadWriteRoster(client, 1, 2 * PROTOCOLS.length * CLIENTS * MENTORS_PER_CLIENT);
    });
  }, 300_000);

  it.each(PROTOCOLS)(
    'the write RPC and the plain-SQL writes each make one transition per transaction (%s)',
    async (protocol) => {
      // Each run gets mentors no other run touched: a time-limited run may stop half-way.
      const range = CLIENTS * MENTORS_PER_CLIENT;
      const first = PROTOCOLS.indexOf(protocol) * 2 * range;
      for (const [name, script, start] of [
        ['rpc', writePathScript(MENTORS_PER_CLIENT), first],
        ['plain', plainWritesScript(MENTORS_PER_CLIENT), first + range],
      ] as const) {
        const before = await logRows(writes.url);
        const result = await run(writes.url, protocol, `write-${name}`, script, {
          step: 0,
          first: start,
        });
        expect(result.summary.queryMode).toBe(protocol);
        expect(result.summary.processed, name).toBeGreaterThan(0);
        expect((await logRows(writes.url)) - before, name).toBe(result.summary.processed);
      }
    },
    60_000,
  );

  it.each(PROTOCOLS)(
    'every read script runs without an error (%s)',
    async (protocol) => {
      const scripts = {
        'status-rls': statusReadScripts().rls,
        'status-owner': statusReadScripts().owner,
        chapter: chapterPausesScript(shape),
        'roster-rls': rosterPageScripts(shape).rls,
        'roster-owner': rosterPageScripts(shape).owner,
        'timeline-rls': timelineScripts(shape).rls,
        'timeline-owner': timelineScripts(shape).owner,
      };
      for (const [name, script] of Object.entries(scripts)) {
        // runPgbench throws on an aborted client or a failed transaction.
        const result = await run(reads.url, protocol, name, script);
        expect(result.summary.queryMode, name).toBe(protocol);
        expect(result.summary.processed, name).toBeGreaterThan(0);
      }
    },
    60_000,
  );
});
