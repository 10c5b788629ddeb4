import type pg from 'pg';

/** A callable function as the database describes it (PostgREST keeps the same in its schema cache). */
export interface RoutineDescription {
  schema: string;
  name: string;
  /** Input parameters in declaration order, with their SQL types. */
  params: { name: string; type: string; required: boolean }[];
  volatility: 'volatile' | 'stable' | 'immutable';
  /** How the result is shaped on the wire: setof → array, composite → object, else a scalar. */
  returns: 'set' | 'single' | 'scalar';
}

export type SchemaCache = Map<string, RoutineDescription[]>;

interface RoutineRow {
  name: string;
  volatility: 'v' | 's' | 'i';
  returns_set: boolean;
  returns_composite: boolean;
  arg_names: string[] | null;
  arg_modes: string[] | null;
  input_types: string[];
  n_defaults: number;
}

// With an empty search_path, format_type() qualifies every type outside pg_catalog, so the
// types can be written into a column definition list whatever the request's search_path.
const routinesQuery = `
  select p.proname as name,
         p.provolatile as volatility,
         p.proretset as returns_set,
         (rt.typtype = 'c' or rt.oid = 'record'::regtype) as returns_composite,
         p.proargnames as arg_names,
         p.proargmodes::text[] as arg_modes,
         array(select pg_catalog.format_type(t, null) from unnest(p.proargtypes) with ordinality as a(t, i) order by i) as input_types,
         p.pronargdefaults as n_defaults
  from pg_catalog.pg_proc p
  join pg_catalog.pg_namespace n on n.oid = p.pronamespace
  join pg_catalog.pg_type rt on rt.oid = p.prorettype
  where n.nspname = $1 and p.proname = any($2::text[]) and p.prokind = 'f'`;

const volatilities = { v: 'volatile', s: 'stable', i: 'immutable' } as const;

function describe(schema: string, row: RoutineRow): RoutineDescription {
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
  };
}

/** Reads how the named functions of `schema` are declared (all overloads of each name). */
export async function loadSchemaCache(
  pool: pg.Pool,
  schema: string,
  names: readonly string[],
): Promise<SchemaCache> {
  const client = await pool.connect();
  try {
    await client.query('begin read only');
    await client.query("select pg_catalog.set_config('search_path', '', true)");
    const { rows } = await client.query<RoutineRow>(routinesQuery, [schema, names]);
    await client.query('commit');
    const cache: SchemaCache = new Map();
    for (const row of rows) {
      const overloads = cache.get(row.name) ?? [];
      overloads.push(describe(schema, row));
      cache.set(row.name, overloads);
    }
    return cache;
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
