import { authUsers, createDb, type Db, publicTables } from '@peer-mentor/db';
import { useTestDatabase } from '@peer-mentor/db/testing';
import { getTableConfig, type PgColumn, type PgEnum, type PgTable } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as schema from '../src/schema.js';

// The SQL migrations are the source of truth; src/schema.ts mirrors them for typed queries.
// These tests describe both in one normalized shape and compare, so drift fails CI.
const database = useTestDatabase();
let db: Db;

beforeAll(() => {
  db = createDb(database.url, { maxConnections: 2 });
});
afterAll(() => db.close());

interface ColumnShape {
  type: string;
  notNull: boolean;
  hasDefault: boolean;
  identity: boolean;
}

const normalizeType = (type: string) =>
  type.replace(/^varchar\((\d+)\)$/, 'character varying($1)').replace(/^public\./, '');

function drizzleColumns(table: PgTable): Record<string, ColumnShape> {
  const columns: Record<string, ColumnShape> = {};
  for (const column of getTableConfig(table).columns as PgColumn[]) {
    columns[column.name] = {
      type: normalizeType(column.getSQLType()),
      notNull: column.notNull,
      // Only defaults the database itself applies; `$default` runs in TypeScript.
      hasDefault: column.default !== undefined,
      identity: column.generatedIdentity !== undefined,
    };
  }
  return columns;
}

async function databaseColumns(schemaName: string, table: string) {
  const { rows } = await db.pool.query<{ name: string } & ColumnShape>(
    `select a.attname as name,
            format_type(a.atttypid, a.atttypmod) as type,
            a.attnotnull as "notNull",
            a.atthasdef as "hasDefault",
            a.attidentity <> '' as identity
     from pg_attribute a
     where a.attrelid = format('%I.%I', $1::text, $2::text)::regclass
       and a.attnum > 0 and not a.attisdropped`,
    [schemaName, table],
  );
  return Object.fromEntries(
    rows.map(({ name, ...shape }) => [name, { ...shape, type: normalizeType(shape.type) }]),
  );
}

/** Primary key, unique and foreign-key constraints as comparable strings. */
function drizzleConstraints(table: PgTable): string[] {
  const config = getTableConfig(table);
  const list = (columns: { name: string }[]) =>
    columns
      .map((column) => column.name)
      .sort()
      .join(',');
  const constraints: string[] = [];
  const primaryColumns = config.columns.filter((column) => column.primary);
  if (primaryColumns.length > 0) constraints.push(`p(${list(primaryColumns)})`);
  for (const key of config.primaryKeys) constraints.push(`p(${list(key.columns)})`);
  for (const column of config.columns.filter((candidate) => candidate.isUnique)) {
    constraints.push(`u(${column.name})`);
  }
  for (const unique of config.uniqueConstraints) constraints.push(`u(${list(unique.columns)})`);
  for (const foreignKey of config.foreignKeys) {
    const reference = foreignKey.reference();
    const target = getTableConfig(reference.foreignTable);
    constraints.push(
      `f(${list(reference.columns)})->${target.schema ?? 'public'}.${target.name}(${list(reference.foreignColumns)}) on delete ${foreignKey.onDelete ?? 'no action'}`,
    );
  }
  return constraints.sort();
}

async function databaseConstraints(table: string): Promise<string[]> {
  const { rows } = await db.pool.query<{ constraint: string }>(
    `select case c.contype
              when 'p' then format('p(%s)', cols.list)
              when 'u' then format('u(%s)', cols.list)
              else format('f(%s)->%s(%s) on delete %s', cols.list,
                          (select format('%s.%s', tn.nspname, t.relname) from pg_class t
                           join pg_namespace tn on tn.oid = t.relnamespace where t.oid = c.confrelid),
                          fcols.list,
                          case c.confdeltype when 'c' then 'cascade' when 'n' then 'set null'
                                             when 'r' then 'restrict' when 'd' then 'set default'
                                             else 'no action' end)
            end as constraint
     from pg_constraint c
     cross join lateral (select string_agg(a.attname, ',' order by a.attname) as list
                         from pg_attribute a where a.attrelid = c.conrelid and a.attnum = any (c.conkey)) cols
     left join lateral (select string_agg(a.attname, ',' order by a.attname) as list
                        from pg_attribute a where a.attrelid = c.confrelid and a.attnum = any (c.confkey)) fcols on true
     where c.conrelid = format('public.%I', $1::text)::regclass and c.contype in ('p', 'u', 'f')`,
    [table],
  );
  return rows.map((row) => row.constraint).sort();
}

describe('drizzle schema and migrated database', () => {
  it('have the same tables in schema public', async () => {
    const { rows } = await db.pool.query<{ name: string }>(
      `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind in ('r', 'p') order by 1`,
    );
    expect(rows.map((row) => row.name)).toEqual(Object.keys(publicTables).sort());
  });

  for (const [name, table] of Object.entries(publicTables)) {
    it(`agree on the columns of ${name}`, async () => {
      expect(drizzleColumns(table)).toEqual(await databaseColumns('public', name));
    });

    it(`agree on the keys of ${name}`, async () => {
      expect(drizzleConstraints(table)).toEqual(await databaseConstraints(name));
    });
  }

  it('agree on every enum and its values', async () => {
    const enums = (Object.values(schema) as unknown[]).filter(
      (value): value is PgEnum<[string, ...string[]]> =>
        typeof value === 'function' && 'enumName' in value,
    );
    const { rows } = await db.pool.query<{ name: string; labels: string[] }>(
      `select t.typname as name, array_agg(e.enumlabel::text order by e.enumsortorder) as labels
       from pg_type t join pg_enum e on e.enumtypid = t.oid
       join pg_namespace n on n.oid = t.typnamespace where n.nspname = 'public'
       group by t.typname order by 1`,
    );
    const fromDrizzle = enums
      .map((pgEnum) => ({ name: pgEnum.enumName, labels: [...pgEnum.enumValues] }))
      .sort((a, b) => a.name.localeCompare(b.name));
    expect(fromDrizzle).toEqual(rows);
  });

  it('agree on the auth.users columns the project uses', async () => {
    const actual = await databaseColumns('auth', 'users');
    for (const [column, shape] of Object.entries(drizzleColumns(authUsers))) {
      expect(actual[column]?.type, column).toBe(shape.type);
    }
  });
});
