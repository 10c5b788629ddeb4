import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  actorRoles,
  DEFAULT_TIME_ZONE,
  databaseRoles,
  domainErrorCatalog,
  memberRoles,
  membershipChanges,
  NOTE_MAX_LENGTH,
  ORGANIZATION_ID_CLAIM,
  pauseLockingActorRoles,
  pauseReasonCodes,
  pauseStatuses,
  platformErrorCatalog,
  reasonCodeUsableBy,
} from '@peer-mentor/contracts';
import { createDb, type Db, userClaims, withCaller } from '@peer-mentor/db';
import { useTestDatabase } from '@peer-mentor/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The Dart team and every TypeScript package take these values from packages/contracts;
// the database enforces its own copy. These tests keep the two equal.
const database = useTestDatabase();
let db: Db;

beforeAll(() => {
  db = createDb(database.url, { maxConnections: 2 });
});
afterAll(() => db.close());

async function enumLabels(typeName: string): Promise<string[]> {
  const { rows } = await db.pool.query<{ label: string }>(
    `select e.enumlabel as label from pg_enum e
     where e.enumtypid = $1::regtype order by e.enumsortorder`,
    [typeName],
  );
  return rows.map((row) => row.label);
}

describe('contracts and SQL agree', () => {
  it('on the enum values, in order', async () => {
    expect(await enumLabels('public.pause_status')).toEqual([...pauseStatuses]);
    expect(await enumLabels('public.pause_reason_code')).toEqual([...pauseReasonCodes]);
    expect(await enumLabels('public.member_role')).toEqual([...memberRoles]);
    expect(await enumLabels('public.status_actor_role')).toEqual([...actorRoles]);
    expect(await enumLabels('public.membership_change')).toEqual([...membershipChanges]);
  });

  it('on the error catalog: codes, names and messages', async () => {
    const { rows } = await db.pool.query(
      'select code, name, message from private.domain_error_catalog() order by code',
    );
    const fromContracts = domainErrorCatalog
      .map(({ code, name, message }) => ({ code, name, message }))
      .sort((a, b) => a.code.localeCompare(b.code));
    expect(rows).toEqual(fromContracts);
  });

  it('every PM code the SQL can raise is catalogued, and every catalogued code is raised somewhere', async () => {
    const { rows } = await db.pool.query<{ source: string }>(
      `select p.prosrc as source from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname in ('public', 'private') and p.proname <> 'domain_error_catalog'`,
    );
    const raised = new Set(rows.flatMap((row) => row.source.match(/'PM[0-9]{3}'/g) ?? []));
    const raisedCodes = [...raised].map((literal) => literal.slice(1, -1)).sort();
    expect(raisedCodes).toEqual(domainErrorCatalog.map((entry) => entry.code).sort());
  });

  it('on who may use each reason code', async () => {
    for (const reason of pauseReasonCodes) {
      const { rows } = await db.pool.query<{ roles: string }>(
        'select private.reason_code_usable_by($1)::text[] as roles',
        [reason],
      );
      expect(rows[0]?.roles, reason).toEqual([...reasonCodeUsableBy[reason]]);
    }
  });

  it('on whose pauses a mentor may not end, and the note length bound', async () => {
    const { rows } = await db.pool.query(
      `select private.pause_locking_actor_roles()::text[] as locking,
              private.note_max_length() as note_max`,
    );
    expect(rows[0]).toEqual({ locking: [...pauseLockingActorRoles], note_max: NOTE_MAX_LENGTH });
  });

  it('on the SQLSTATE behind each condition name of the platform catalog', async () => {
    for (const entry of platformErrorCatalog.filter(
      (candidate) => !candidate.code.startsWith('PGRST'),
    )) {
      const raised = await db.pool
        .query(`do $$ begin raise exception using errcode = '${entry.name}'; end $$`)
        .then(
          () => 'nothing raised',
          (error: { code?: string }) => error.code,
        );
      expect(raised, entry.name).toBe(entry.code);
    }
  });

  it('every condition a function callable by signed-in users raises by name is catalogued', async () => {
    const { rows } = await db.pool.query<{ source: string }>(
      `select p.prosrc as source from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname in ('public', 'private')
         and has_function_privilege('authenticated', p.oid, 'execute')`,
    );
    const raised = new Set(
      rows.flatMap((row) =>
        [...row.source.matchAll(/errcode = '([a-z_]+)'/g)].map((match) => match[1]),
      ),
    );
    const catalogued = new Set<string>(platformErrorCatalog.map((entry) => entry.name));
    expect([...raised].filter((name) => !catalogued.has(name!))).toEqual([]);
    // The lost-race error a client may retry.
    expect(raised.has('serialization_failure')).toBe(true);
    expect(
      platformErrorCatalog.find((entry) => entry.name === 'serialization_failure')?.retryable,
    ).toBe(true);
  });

  it('on the API roles and the default time zone of an organization', async () => {
    const { rows: roles } = await db.pool.query<{ name: string }>(
      'select rolname as name from pg_roles where rolname = any ($1) order by 1',
      [[...databaseRoles]],
    );
    expect(roles.map((role) => role.name)).toEqual([...databaseRoles].sort());
    const { rows } = await db.pool.query<{ zone: string }>(
      `insert into public.organizations (name) values ('Default Zone Org') returning time_zone as zone`,
    );
    expect(rows[0]?.zone).toBe(DEFAULT_TIME_ZONE);
  });

  it('on the organization claim key: the database reads exactly the path contracts names', async () => {
    const orgId = '3b0b2f0e-6a55-4c1e-9a43-0f4c3c2b1a00';
    const claimed = await withCaller(
      db.pool,
      userClaims('5c1d6b2e-8f3a-4b7c-9d2e-1a0b9c8d7e6f', orgId),
      async (client) =>
        (await client.query('select private.claimed_organization_id() as org')).rows[0].org,
    );
    expect(claimed).toBe(orgId);
    // The same id under user_metadata (which end users can rewrite) selects nothing.
    const forged = await withCaller(
      db.pool,
      userClaims('5c1d6b2e-8f3a-4b7c-9d2e-1a0b9c8d7e6f', null, {
        user_metadata: { [ORGANIZATION_ID_CLAIM.property]: orgId },
      }),
      async (client) =>
        (await client.query('select private.claimed_organization_id() as org')).rows[0].org,
    );
    expect(forged).toBeNull();
  });
});

// The pub package's constants are generated from the same zod source, and the contracts package
// compares them with the TypeScript view; this compares them with the database directly, so a
// generator bug cannot hide behind that chain. The generated file has one fixed shape (its
// syntax is checked with a Dart grammar in packages/contracts), so plain patterns read it.
const dartConstantsPath = fileURLToPath(
  new URL('../../contracts/dart/lib/src/constants.dart', import.meta.url),
);

/** The string literals of a generated Dart file, unescaped. */
const dartString = (literal: string) => literal.replace(/\\(.)/g, '$1');

function dartEnumWireValues(source: string, enumName: string): string[] {
  const body = source.match(
    new RegExp(`enum ${enumName} \\{([\\s\\S]*?)\\n\\s*const ${enumName}\\(`),
  );
  if (!body?.[1]) throw new Error(`enum ${enumName} not found in ${dartConstantsPath}`);
  return [...body[1].matchAll(/^\s*\w+\('((?:[^'\\]|\\.)*)'/gm)].map((m) => dartString(m[1] ?? ''));
}

describe('the Dart package and SQL agree', () => {
  const dart = readFileSync(dartConstantsPath, 'utf8');

  it('on the enum values, in order', async () => {
    expect(dartEnumWireValues(dart, 'PauseStatus')).toEqual(
      await enumLabels('public.pause_status'),
    );
    expect(dartEnumWireValues(dart, 'PauseReasonCode')).toEqual(
      await enumLabels('public.pause_reason_code'),
    );
    expect(dartEnumWireValues(dart, 'MemberRole')).toEqual(await enumLabels('public.member_role'));
    expect(dartEnumWireValues(dart, 'ActorRole')).toEqual(
      await enumLabels('public.status_actor_role'),
    );
    expect(dartEnumWireValues(dart, 'MembershipChange')).toEqual(
      await enumLabels('public.membership_change'),
    );
  });

  it('on the error catalog: codes, names and messages', async () => {
    const section = dart.slice(dart.indexOf('enum DomainErrorCode {'));
    const fromDart = [
      ...section.matchAll(
        /code: '(PM\d{3})',\s*wireName: '((?:[^'\\]|\\.)*)',\s*defaultMessage: '((?:[^'\\]|\\.)*)'/g,
      ),
    ]
      .map((m) => ({ code: m[1], name: dartString(m[2] ?? ''), message: dartString(m[3] ?? '') }))
      .sort((a, b) => (a.code ?? '').localeCompare(b.code ?? ''));
    const { rows } = await db.pool.query(
      'select code, name, message from private.domain_error_catalog() order by code',
    );
    expect(fromDart).toEqual(rows);
  });
});
