import { userClaims, withCaller } from '@peer-mentor/db';
import { useTestDatabase } from '@peer-mentor/db/testing';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestApp,
  ids,
  loadWorld,
  people,
  type TestApp,
  tokens,
} from '../test/support/harness.js';
import { callRpc } from '../test/support/requests.js';

// The API's connections log in as `authenticator`, as PostgREST's do. PostgreSQL checks SET
// ROLE against the session user, so even a request that could run any SQL (a future bug)
// could become anon, authenticated or service_role, and never the superuser.

const database = useTestDatabase();
let t: TestApp;

beforeAll(async () => {
  await loadWorld(database.url);
  t = createTestApp(database.url);
});
afterAll(() => t.close());

/** SQL run inside a request's transaction, as Kari, on a connection of the API's pool. */
const asKariRequest = <T>(work: (client: pg.PoolClient | pg.Client) => Promise<T>) =>
  withCaller(t.pool, userClaims(people.kari, ids.hlf), work);

/** The SQLSTATE `sql` fails with inside a request, or 'ok'. */
const outcome = (sql: string) =>
  asKariRequest((client) => client.query(sql)).then(
    () => 'ok',
    (error: { code?: string }) => error.code,
  );

describe('the connection role', () => {
  it('serves requests over connections that logged in as authenticator, not a superuser', async () => {
    const res = await callRpc(
      t,
      'get_active_pauses_for_chapter',
      { p_organization_id: ids.hlf, p_chapter_id: ids.oslo },
      { apikey: await tokens.anonKey(), token: await tokens.user(people.kari) },
    );
    expect(res.status).toBe(200);
    const { rows } = await t.pool.query(
      `select session_user as login, r.rolsuper as superuser, r.rolinherit as inherits,
              array(select m.rolname::text from pg_catalog.pg_auth_members a
                      join pg_catalog.pg_roles m on m.oid = a.roleid
                     where a.member = r.oid order by 1) as member_of
         from pg_catalog.pg_roles r where r.rolname = session_user`,
    );
    expect(rows[0]).toEqual({
      login: 'authenticator',
      superuser: false,
      inherits: false,
      member_of: ['anon', 'authenticated', 'service_role'],
    });
  });

  it("cannot become postgres inside a request's transaction, by any of the ways SQL could try", async () => {
    expect(
      await asKariRequest(async (c) => (await c.query('select current_user')).rows[0]),
    ).toEqual({
      current_user: 'authenticated',
    });
    expect(await outcome('set local role postgres')).toBe('42501');
    expect(await outcome('set role postgres')).toBe('42501');
    expect(await outcome("select pg_catalog.set_config('role', 'postgres', true)")).toBe('42501');
    expect(await outcome('set session authorization postgres')).toBe('42501');
    // Dropping the request's role leads back to the login role, which is no superuser either.
    const reset = await asKariRequest(async (c) => {
      await c.query('reset role');
      return (
        await c.query(
          'select current_user, (select rolsuper from pg_catalog.pg_roles where rolname = current_user) as superuser',
        )
      ).rows[0];
    });
    expect(reset).toEqual({ current_user: 'authenticator', superuser: false });
    // The roles a request may run as remain reachable.
    expect(await outcome('set local role service_role')).toBe('ok');
  });
});
