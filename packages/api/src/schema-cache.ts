import type pg from 'pg';
import { postgrestError } from './errors.js';

/** The only schema served, as on a Supabase project with default settings. */
export const EXPOSED_SCHEMA = 'public';

/** A column of a table, view or function result, with its SQL type as format_type renders it. */
export interface ColumnDescription {
  name: string;
  type: string;
}

/** A callable function as the database describes it (PostgREST keeps the same in its schema cache). */
export interface RoutineDescription {
  schema: string;
  name: string;
  /** Input parameters in declaration order, with their SQL types. */
  params: { name: string; type: string; required: boolean }[];
  volatility: 'volatile' | 'stable' | 'immutable';
  /** How the result is shaped on the wire: setof → array, composite → object, else a scalar. */
  returns: 'set' | 'single' | 'scalar';
  /** `returns void`: PostgREST answers 204 without a body. */
  returnsVoid: boolean;
  /** The result's columns (composite and table results); empty for a scalar. */
  columns: ColumnDescription[];
}

/** A table or view of the exposed schema. */
export interface RelationDescription {
  schema: string;
  name: string;
  columns: ColumnDescription[];
}

/** What the API knows about the database, read once from pg_catalog (PostgREST's schema cache). */
export interface SchemaCache {
  /** Functions by name (every overload). */
  routines: Map<string, RoutineDescription[]>;
  /** Tables and views of the exposed schema by name. */
  relations: Map<string, RelationDescription>;
  /** Type names a `::cast` may use, each mapped to its quoted, schema-qualified name. */
  castTypes: Map<string, string>;
  /** Time zone names `Prefer: timezone=` accepts (pg_timezone_names). */
  timeZones: Set<string>;
}

interface RoutineRow {
  name: string;
  volatility: 'v' | 's' | 'i';
  returns_set: boolean;
  returns_composite: boolean;
  returns_void: boolean;
  arg_names: string[] | null;
  arg_modes: string[] | null;
  input_types: string[];
  n_defaults: number;
  columns: ColumnDescription[] | null;
}

// With an empty search_path, format_type() qualifies every type outside pg_catalog, so the
// types can be written into a column definition list whatever the request's search_path.
// Result columns: a composite's attributes, or the OUT/INOUT/TABLE arguments of a record.
const routinesQuery = `
  select p.proname as name,
         p.provolatile as volatility,
         p.proretset as returns_set,
         (rt.typtype = 'c' or rt.oid = 'record'::regtype) as returns_composite,
         rt.oid = 'void'::regtype as returns_void,
         p.proargnames as arg_names,
         p.proargmodes::text[] as arg_modes,
         array(select pg_catalog.format_type(t, null) from unnest(p.proargtypes) with ordinality as a(t, i) order by i) as input_types,
         p.pronargdefaults as n_defaults,
         case
           when rt.typrelid <> 0 then (
             select json_agg(json_build_object('name', a.attname, 'type', pg_catalog.format_type(a.atttypid, a.atttypmod)) order by a.attnum)
             from pg_catalog.pg_attribute a
             where a.attrelid = rt.typrelid and a.attnum > 0 and not a.attisdropped)
           when p.proallargtypes is not null then (
             select json_agg(json_build_object('name', o.n, 'type', pg_catalog.format_type(o.t, null)) order by o.i)
             from unnest(p.proallargtypes, p.proargmodes::text[], p.proargnames) with ordinality as o(t, m, n, i)
             where o.m in ('o', 'b', 't'))
         end as columns
  from pg_catalog.pg_proc p
  join pg_catalog.pg_namespace n on n.oid = p.pronamespace
  join pg_catalog.pg_type rt on rt.oid = p.prorettype
  where n.nspname = $1 and p.proname = any($2::text[]) and p.prokind = 'f'`;

const relationsQuery = `
  select c.relname as name,
         json_agg(json_build_object('name', a.attname, 'type', pg_catalog.format_type(a.atttypid, a.atttypmod)) order by a.attnum) as columns
  from pg_catalog.pg_class c
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
  where n.nspname = $1 and c.relkind in ('r', 'v', 'm', 'f', 'p')
  group by c.relname`;

// Casts may name the built-in types and the exposed schema's own (enums, domains).
const typesQuery = `
  select t.typname as name, n.nspname as schema
  from pg_catalog.pg_type t
  join pg_catalog.pg_namespace n on n.oid = t.typnamespace
  where n.nspname in ('pg_catalog', $1) and t.typisdefined and t.typtype in ('b', 'e', 'd', 'r', 'm')
    and t.typname not like '\\_%'`;

/** SQL's spellings of built-in types, which pg_type names differently. */
const typeAliases: Record<string, string> = {
  integer: 'int4',
  int: 'int4',
  smallint: 'int2',
  bigint: 'int8',
  boolean: 'bool',
  real: 'float4',
  decimal: 'numeric',
  character: 'bpchar',
  'double precision': 'float8',
  'character varying': 'varchar',
  'timestamp with time zone': 'timestamptz',
  'timestamp without time zone': 'timestamp',
  'time with time zone': 'timetz',
  'time without time zone': 'time',
};

const volatilities = { v: 'volatile', s: 'stable', i: 'immutable' } as const;

function describeRoutine(schema: string, row: RoutineRow): RoutineDescription {
  // proargnames/proargmodes list every argument (OUT and TABLE columns too); inputs are the
  // ones with mode i (in), b (inout) or v (variadic), or all of them when modes are null.
  const names = row.arg_names ?? [];
  const inputNames = row.arg_modes
    ? names.filter((_, index) => ['i', 'b', 'v'].includes(row.arg_modes?.[index] ?? 'i'))
    : names.slice(0, row.input_types.length);
  const firstOptional = row.input_types.length - row.n_defaults;
  return {
    schema,
    name: row.name,
    params: row.input_types.map((type, index) => ({
      name: inputNames[index] ?? '',
      type,
      required: index < firstOptional,
    })),
    volatility: volatilities[row.volatility],
    returns: row.returns_set ? 'set' : row.returns_composite ? 'single' : 'scalar',
    returnsVoid: row.returns_void,
    columns: row.columns ?? [],
  };
}

const quoteIdentifier = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Reads the named functions of `schema` (all overloads of each name), its tables and views,
 * the types a cast may name and the time zones, in one read-only transaction.
 */
export async function loadSchemaCache(
  pool: pg.Pool,
  schema: string,
  names: readonly string[],
): Promise<SchemaCache> {
  const client = await pool.connect();
  try {
    await client.query('begin read only');
    await client.query("select pg_catalog.set_config('search_path', '', true)");
    const routineRows = (await client.query<RoutineRow>(routinesQuery, [schema, names])).rows;
    const relationRows = (
      await client.query<{ name: string; columns: ColumnDescription[] }>(relationsQuery, [schema])
    ).rows;
    const typeRows = (await client.query<{ name: string; schema: string }>(typesQuery, [schema]))
      .rows;
    const zoneRows = (
      await client.query<{ name: string }>('select name from pg_catalog.pg_timezone_names')
    ).rows;
    await client.query('commit');
    const routines = new Map<string, RoutineDescription[]>();
    for (const row of routineRows) {
      const overloads = routines.get(row.name) ?? [];
      overloads.push(describeRoutine(schema, row));
      routines.set(row.name, overloads);
    }
    const relations = new Map(
      relationRows.map((row) => [row.name, { schema, name: row.name, columns: row.columns }]),
    );
    const castTypes = new Map<string, string>();
    for (const row of typeRows) {
      // The exposed schema's types shadow built-ins of the same name only if nothing else did.
      if (row.schema === 'pg_catalog' || !castTypes.has(row.name)) {
        castTypes.set(row.name, `${quoteIdentifier(row.schema)}.${quoteIdentifier(row.name)}`);
      }
    }
    for (const [alias, name] of Object.entries(typeAliases)) {
      const qualified = castTypes.get(name);
      if (qualified) castTypes.set(alias, qualified);
    }
    return {
      routines,
      relations,
      castTypes,
      timeZones: new Set(zoneRows.map((row) => row.name)),
    };
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** The schema cache as the features ask for it: loaded on first use, then kept. */
export type SchemaCacheSource = () => Promise<SchemaCache>;

/**
 * Loads the schema cache on first use and keeps it (restart the API after migrations, as
 * PostgREST without NOTIFY). A failed load is retried by the next request; meanwhile the
 * answer is PostgREST's 503 PGRST002.
 */
export function lazySchemaCache(load: () => Promise<SchemaCache>): SchemaCacheSource {
  let pending: Promise<SchemaCache> | undefined;
  return async () => {
    pending ??= load().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    try {
      return await pending;
    } catch {
      throw postgrestError(
        503,
        'PGRST002',
        'Could not query the database for the schema cache. Retrying.',
      );
    }
  };
}
