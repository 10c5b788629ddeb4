// The benchmark kit's EXPLAIN capture and server facts (tooling/bench) against a real server:
// what a benchmark report says about a plan must be what PostgreSQL did.

import { explain, postgresFacts } from '@peer-mentor/bench';
import { createDb, type Db, userClaims, withCaller } from '@peer-mentor/db';
import { useTestDatabase } from '@peer-mentor/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const database = useTestDatabase();
let db: Db;
const organization = '0e000000-0000-4000-8000-000000000001';
const coordinator = '0e000000-0000-4000-8000-000000000002';
const mentor = (n: number) => `0e000000-0000-4000-8000-${String(100_000_000_000 + n)}`;

beforeAll(async () => {
  db = createDb(database.url, { maxConnections: 1 });
  const setup = [
    ["insert into public.organizations (id, name) values ($1, 'Explain test')", [organization]],
    [
      "insert into auth.users (id, email) values ($1, 'coordinator@explain.invalid')",
      [coordinator],
    ],
    [
      "insert into public.organization_members (organization_id, user_id, role) values ($1, $2, 'coordinator')",
      [organization, coordinator],
    ],
    [
      `insert into public.peer_mentors (id, organization_id, display_name)
       select ('0e000000-0000-4000-8000-' || (100000000000 + n)::text)::uuid, $1, 'Mentor ' || n
       from generate_series(1, 2000) n`,
      [organization],
    ],
    ['analyze public.peer_mentors', []],
  ] as const;
  for (const [sql, params] of setup) await db.pool.query(sql, [...params]);
});
afterAll(() => db.close());

describe('explain', () => {
  it('captures the plan PostgreSQL ran, with its parameters, rows, buffers and indexes', async () => {
    const capture = await explain(
      db.pool,
      'select id, display_name from public.peer_mentors where id = $1',
      [mentor(7)],
      'one mentor by id',
    );
    expect(capture.label).toBe('one mentor by id');
    expect(capture.params).toEqual([mentor(7)]);
    expect(capture.rows).toBe(1);
    // Either unique index that leads with id serves; the planner picks one.
    expect(capture.indexes).toHaveLength(1);
    const index = capture.indexes[0];
    expect(index).toMatch(/^peer_mentors_(pkey|id_organization_id_key)$/);
    expect(
      capture.summary[0]?.startsWith(`Index Scan using ${index} on peer_mentors (rows 1, `),
    ).toBe(true);
    expect(capture.sharedHitBlocks + capture.sharedReadBlocks).toBeGreaterThan(0);
    expect(capture.executionMs).toBeGreaterThan(0);
    expect(capture.plan['Node Type']).toBe('Index Scan');
  });

  it('sees what the caller sees: under RLS inside the caller’s transaction, everything as the owner', async () => {
    const sql = 'select id from public.peer_mentors where organization_id = $1';
    const asOwner = await explain(db.pool, sql, [organization]);
    const asCoordinator = await withCaller(
      db.pool,
      userClaims(coordinator, organization),
      (client) => explain(client, sql, [organization]),
    );
    const asStranger = await withCaller(
      db.pool,
      userClaims('0e000000-0000-4000-8000-000000000009', organization),
      (client) => explain(client, sql, [organization]),
    );
    expect(asOwner.rows).toBe(2000);
    expect(asCoordinator.rows).toBe(2000);
    expect(asStranger.rows).toBe(0);
    // The policy's helpers run once per statement, as InitPlans the owner's plan does not have.
    const initPlans = (capture: typeof asOwner) =>
      JSON.stringify(capture.plan).match(/"Parent Relationship":"InitPlan"/g)?.length ?? 0;
    expect(initPlans(asCoordinator)).toBeGreaterThan(0);
    expect(initPlans(asOwner)).toBe(0);
  });

  it('refuses a statement that is not valid, as PostgreSQL does', async () => {
    await expect(explain(db.pool, 'select nope from public.peer_mentors')).rejects.toThrow(
      /column "nope" does not exist/,
    );
  });
});

describe('postgresFacts', () => {
  it('reports the server version and the settings that move figures', async () => {
    const facts = await postgresFacts(db.pool);
    const { rows } = await db.pool.query<{ v: string }>(
      'select current_setting($$server_version$$) as v',
    );
    expect(facts.serverVersion).toBe(rows[0]!.v);
    expect(facts.version).toMatch(/^PostgreSQL \d+/);
    expect(Object.keys(facts.settings)).toEqual(
      expect.arrayContaining(['shared_buffers', 'work_mem', 'jit', 'fsync', 'synchronous_commit']),
    );
    expect(facts.settings.shared_buffers).toMatch(/^\d+ 8kB$/);
  });
});
