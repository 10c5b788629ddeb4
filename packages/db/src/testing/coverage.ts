import pg from 'pg';

export interface FunctionCoverage {
  /** Schema-qualified signature, e.g. `public.activate_pause(uuid,uuid,text,text,date)`. */
  name: string;
  /** Fractions between 0 and 1, as plpgsql_check's profiler reports them. */
  statements: number;
  branches: number;
}

/**
 * Statement and branch coverage of every PL/pgSQL function in our schemas, from
 * plpgsql_check's profiler. The profile is kept per database in shared memory, so this reads
 * what every session that ran in `databaseUrl` executed.
 */
export async function measureCoverage(
  databaseUrl: string,
  schemas: readonly string[] = ['public', 'private'],
): Promise<FunctionCoverage[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('create extension if not exists plpgsql_check');
    // With only pg_catalog on the path, regprocedure prints schema-qualified names.
    await client.query('set search_path = pg_catalog');
    const { rows } = await client.query<FunctionCoverage>(
      `select p.oid::regprocedure::text as name,
              coalesce(public.plpgsql_coverage_statements(p.oid::regprocedure), 0) as statements,
              coalesce(public.plpgsql_coverage_branches(p.oid::regprocedure), 0) as branches
       from pg_proc p
       join pg_namespace n on n.oid = p.pronamespace
       join pg_language l on l.oid = p.prolang
       where n.nspname = any ($1) and l.lanname = 'plpgsql'
       order by 1`,
      [schemas],
    );
    return rows.map((row) => ({
      ...row,
      statements: Number(row.statements),
      branches: Number(row.branches),
    }));
  } finally {
    await client.end();
  }
}

/** Renders coverage as a fixed-width table. */
export function formatCoverageTable(rows: readonly FunctionCoverage[]): string {
  const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
  const width = Math.max(8, ...rows.map((row) => row.name.length));
  const lines = [
    `${'function'.padEnd(width)}  statements  branches`,
    `${'-'.repeat(width)}  ----------  --------`,
    ...rows.map(
      (row) =>
        `${row.name.padEnd(width)}  ${percent(row.statements).padStart(10)}  ${percent(row.branches).padStart(8)}`,
    ),
  ];
  return lines.join('\n');
}
