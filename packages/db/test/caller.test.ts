import { createDb, type Db, sqlLiteral, userClaims, withCaller } from '@peer-mentor/db';
import { useTestDatabase } from '@peer-mentor/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const database = useTestDatabase();
let db: Db;

beforeAll(() => {
  db = createDb(database.url, { maxConnections: 1 });
});
afterAll(() => db.close());

describe('withCaller', () => {
  it('runs the work as the role and claims of the caller, like PostgREST', async () => {
    const userId = '11111111-1111-4111-8111-111111111111';
    const orgId = '22222222-2222-4222-8222-222222222222';
    const seen = await withCaller(db.pool, userClaims(userId, orgId), async (client) => {
      const { rows } = await client.query(
        `select current_user as role, auth.uid() as uid,
                private.claimed_organization_id() as org`,
      );
      return rows[0];
    });
    expect(seen).toEqual({ role: 'authenticated', uid: userId, org: orgId });
  });

  it('hands every claim to the database exactly, whatever quotes, backslashes or unicode it holds', async () => {
    // The settings travel inlined in the BEGIN message; a claim must not be able to end its
    // literal early (and inject SQL) or lose a character on the way.
    const awkward = {
      name: "O'Brien \\'); drop table public.organizations; --",
      path: 'C:\\temp\\new',
      quote: `"double" and 'single' and $$dollar$$`,
      unicode: 'Ærlig talt, Øystein — 你好 🙂',
    };
    const claims = userClaims('11111111-1111-4111-8111-111111111111', null, {
      user_metadata: awkward,
    });
    const seen = await withCaller(db.pool, claims, async (client) => {
      const { rows } = await client.query(
        "select auth.jwt() -> 'user_metadata' as metadata, current_setting('request.jwt.claims') as raw",
      );
      return rows[0];
    });
    expect(seen.metadata).toEqual(awkward);
    expect(seen.raw).toBe(JSON.stringify(claims));
    const { rows } = await db.pool.query(
      "select to_regclass('public.organizations') is not null as kept",
    );
    expect(rows[0].kept).toBe(true);
  });

  it('leaves the connection as it found it: role and claims are transaction-local', async () => {
    await withCaller(db.pool, userClaims('11111111-1111-4111-8111-111111111111', null), () =>
      Promise.resolve(),
    );
    // maxConnections is 1, so this is the same connection the caller used.
    const { rows } = await db.pool.query(
      "select current_user as role, coalesce(current_setting('request.jwt.claims', true), '') as claims",
    );
    expect(rows[0]).toEqual({ role: 'postgres', claims: '' });
  });

  it('rolls back everything the work did when it throws', async () => {
    await expect(
      withCaller(db.pool, { role: 'service_role' }, async (client) => {
        await client.query("insert into public.organizations (name) values ('Rolled Back Org')");
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const { rows } = await db.pool.query(
      "select count(*)::int as n from public.organizations where name = 'Rolled Back Org'",
    );
    expect(rows[0].n).toBe(0);
  });

  it('applies a statement timeout and read-only mode for that transaction only, as PostgREST does', async () => {
    const claims = userClaims('11111111-1111-4111-8111-111111111111', null);
    await expect(
      withCaller(db.pool, claims, (client) => client.query('select pg_sleep(2)'), {
        statementTimeoutMs: 50,
      }),
    ).rejects.toMatchObject({ code: '57014' });
    await expect(
      withCaller(
        db.pool,
        { role: 'service_role' },
        (client) => client.query("insert into public.organizations (name) values ('Read Only')"),
        { readOnly: true },
      ),
    ).rejects.toMatchObject({ code: '25006' });
    // The same (only) connection is back to the server's defaults afterwards.
    const { rows } = await db.pool.query(
      "select current_setting('statement_timeout') as timeout, current_setting('transaction_read_only') as read_only",
    );
    expect(rows[0]).toEqual({ timeout: '0', read_only: 'off' });
  });

  it('refuses claims that name no API role instead of running as the connecting role', async () => {
    await expect(
      withCaller(db.pool, { role: 'postgres' } as never, () => Promise.resolve()),
    ).rejects.toThrow(/unknown database role/);
  });
});

describe('sqlLiteral', () => {
  // Hostile strings: each must come back from the server exactly, as one value, under both
  // settings of standard_conforming_strings, and nothing after it may run as SQL.
  const hostile = [
    '',
    "'",
    "''",
    "O'Brien'); drop table public.organizations; --",
    '\\',
    "\\'); drop table public.organizations; --",
    "\\\\'",
    "' || (select current_user) || '",
    "E'x'",
    '$$ dollar $$ $tag$',
    '/* comment */ -- line',
    '\\x00 \\u0000 \\n \\t',
    'line\nbreak\r\ttab',
    'Ærlig talt, Øystein — 你好 🙂 \u202e',
    `${"'\\".repeat(1000)}; select 1`,
    'x'.repeat(1_000_000),
  ];

  for (const conforming of ['on', 'off']) {
    it(`quotes every hostile string so the server reads it back exactly (standard_conforming_strings=${conforming})`, async () => {
      const client = await db.pool.connect();
      try {
        await client.query(`set standard_conforming_strings = ${conforming}`);
        await client.query('set escape_string_warning = off');
        for (const value of hostile) {
          // Simple protocol, several statements in one message, as the API sends them.
          const results = (await client.query(
            `select ${sqlLiteral(value)} as v; select 'after' as marker`,
          )) as unknown as { rows: Record<string, string>[] }[];
          expect(results).toHaveLength(2);
          expect(results[0]?.rows).toEqual([{ v: value }]);
          expect(results[1]?.rows).toEqual([{ marker: 'after' }]);
        }
      } finally {
        await client.query('reset standard_conforming_strings; reset escape_string_warning');
        client.release();
      }
      const { rows } = await db.pool.query(
        "select to_regclass('public.organizations') is not null as kept",
      );
      expect(rows[0].kept).toBe(true);
    });
  }

  it('refuses a NUL, which no PostgreSQL string can hold, instead of cutting the value', () => {
    expect(() => sqlLiteral('before\0after')).toThrow(/NUL/);
    expect(() => sqlLiteral('\0')).toThrow(/NUL/);
  });
});
