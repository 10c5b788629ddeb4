import type { Queryable } from './queryable.js';

/** One node of `EXPLAIN (FORMAT JSON)`, with the fields the summary reads. */
export interface PlanNode {
  'Node Type': string;
  Strategy?: string;
  'Join Type'?: string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Alias?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Actual Total Time'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
  [field: string]: unknown;
}

/** What `explain()` captured: the statement, its plan, and the figures a reader looks at first. */
export interface ExplainCapture {
  label: string;
  sql: string;
  params: unknown[];
  planningMs: number;
  executionMs: number;
  /** Rows the top node returned. */
  rows: number;
  /** Shared buffers the whole plan touched (the top node's counts include its children's). */
  sharedHitBlocks: number;
  sharedReadBlocks: number;
  /** Every index the plan scans, in plan order. */
  indexes: string[];
  /** One line per node, indented by depth: what a reader of the table wants to see. */
  summary: string[];
  /** The top node as PostgreSQL returned it. */
  plan: PlanNode;
}

/** Every node of a plan, depth first, with its depth. */
export function walkPlan(node: PlanNode, depth = 0): Array<{ node: PlanNode; depth: number }> {
  return [{ node, depth }, ...(node.Plans ?? []).flatMap((child) => walkPlan(child, depth + 1))];
}

function nodeLine(node: PlanNode): string {
  const kind = [
    node.Strategy && node.Strategy !== 'Plain' ? node.Strategy : '',
    node['Join Type'] ?? '',
    node['Node Type'],
  ]
    .filter(Boolean)
    .join(' ');
  const using = node['Index Name'] ? ` using ${node['Index Name']}` : '';
  const on = node['Relation Name'] ? ` on ${node['Relation Name']}` : '';
  const facts = [
    `rows ${node['Actual Rows'] ?? '?'}`,
    ...(node['Actual Loops'] !== undefined && node['Actual Loops'] !== 1
      ? [`loops ${node['Actual Loops']}`]
      : []),
    ...(node['Actual Total Time'] !== undefined
      ? [`${node['Actual Total Time'].toFixed(3)} ms`]
      : []),
    `buffers ${node['Shared Hit Blocks'] ?? 0} hit ${node['Shared Read Blocks'] ?? 0} read`,
    ...(node['Rows Removed by Filter']
      ? [`${node['Rows Removed by Filter']} removed by filter`]
      : []),
  ];
  return `${kind}${using}${on} (${facts.join(', ')})`;
}

/** One line per node, two spaces of indent per level. */
export function summarizePlan(plan: PlanNode): string[] {
  return walkPlan(plan).map(({ node, depth }) => `${'  '.repeat(depth)}${nodeLine(node)}`);
}

/** The top-level element of `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)`. */
interface ExplainOutput {
  Plan: PlanNode;
  'Planning Time'?: number;
  'Execution Time'?: number;
}

/** Builds the capture from the JSON PostgreSQL returned (exported for tests). */
export function captureFromJson(
  label: string,
  sql: string,
  params: unknown[],
  json: unknown,
): ExplainCapture {
  const output = (Array.isArray(json) ? json[0] : json) as ExplainOutput | undefined;
  if (!output?.Plan) throw new Error(`${label}: EXPLAIN returned no plan`);
  const plan = output.Plan;
  return {
    label,
    sql,
    params,
    planningMs: output['Planning Time'] ?? 0,
    executionMs: output['Execution Time'] ?? 0,
    rows: plan['Actual Rows'] ?? 0,
    sharedHitBlocks: plan['Shared Hit Blocks'] ?? 0,
    sharedReadBlocks: plan['Shared Read Blocks'] ?? 0,
    indexes: walkPlan(plan).flatMap(({ node }) => (node['Index Name'] ? [node['Index Name']] : [])),
    summary: summarizePlan(plan),
    plan,
  };
}

/**
 * `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)` of `sql` with `params`, on `client` as it is: run it
 * inside the caller's transaction (role and claims set) to see the plan a caller gets. ANALYZE
 * executes the statement, so explain a write only inside a transaction you roll back.
 */
export async function explain(
  client: Queryable,
  sql: string,
  params: unknown[] = [],
  label = sql.replace(/\s+/g, ' ').trim().slice(0, 60),
): Promise<ExplainCapture> {
  const { rows } = await client.query(`explain (analyze, buffers, format json) ${sql}`, params);
  const first = rows[0] as Record<string, unknown> | undefined;
  // pg parses the json column; other clients may hand over the text.
  const raw = first?.['QUERY PLAN'];
  return captureFromJson(label, sql, params, typeof raw === 'string' ? JSON.parse(raw) : raw);
}
