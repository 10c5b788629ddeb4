import { postgrestError } from '../../errors.js';
import type { ColumnDescription } from '../../schema-cache.js';
import type {
  ComparisonOperator,
  Condition,
  ContainmentOperator,
  Field,
  Filter,
  OrderTerm,
  SelectItem,
} from './grammar.js';
import type { ReadShape } from './read-request.js';

/** Where a read's rows come from: a table, or a function called with its arguments. */
export interface ReadSource {
  /** The name column references are qualified with, and errors name. */
  name: string;
  columns: readonly ColumnDescription[];
  /** The FROM clause; may use the bind parameters in `values` ($1…). */
  from: string;
  values: unknown[];
}

export interface ReadStatement {
  text: string;
  values: unknown[];
  /** `EXPLAIN` of the filtered rows, for `count=planned`. */
  plannedCount: { text: string; values: unknown[] };
}

export const quoteIdentifier = (name: string) => `"${name.replaceAll('"', '""')}"`;

const comparisonSql: Record<ComparisonOperator, string> = {
  eq: '=',
  neq: '<>',
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
  like: 'like',
  ilike: 'ilike',
  match: '~',
  imatch: '~*',
};

const containmentSql: Record<ContainmentOperator, string> = {
  cs: '@>',
  cd: '<@',
  ov: '&&',
  sl: '<<',
  sr: '>>',
  nxr: '&<',
  nxl: '&>',
  adj: '-|-',
};

const isSql = {
  null: 'is null',
  not_null: 'is not null',
  true: 'is true',
  false: 'is false',
  unknown: 'is unknown',
} as const;

/** Builds one statement; every identifier is checked and quoted, every value a parameter. */
class StatementBuilder {
  readonly values: unknown[];
  private readonly columns: Set<string>;
  constructor(
    private readonly source: ReadSource,
    private readonly castTypes: ReadonlyMap<string, string>,
  ) {
    this.values = [...source.values];
    this.columns = new Set(source.columns.map((column) => column.name));
  }

  parameter(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  column(name: string): string {
    if (!this.columns.has(name)) {
      throw postgrestError(400, '42703', `column ${this.source.name}.${name} does not exist`);
    }
    return `${quoteIdentifier(this.source.name)}.${quoteIdentifier(name)}`;
  }

  field(field: Field): string {
    let sql = this.column(field.name);
    for (const step of field.path) {
      let operand: string;
      if (step.index) {
        const index = Number(step.key);
        if (!Number.isSafeInteger(index) || Math.abs(index) > 2 ** 31 - 1) {
          throw postgrestError(
            400,
            '22003',
            `value "${step.key}" is out of range for type integer`,
          );
        }
        operand = String(index);
      } else {
        operand = `${this.parameter(step.key)}::text`;
      }
      sql = `(${sql} ${step.arrow} ${operand})`;
    }
    return sql;
  }

  castType(name: string): string {
    const qualified = this.castTypes.get(name.toLowerCase());
    if (!qualified) throw postgrestError(400, '42704', `type "${name}" does not exist`);
    return qualified;
  }

  selectItem(item: SelectItem): string {
    if (item.kind === 'star') return `${quoteIdentifier(this.source.name)}.*`;
    let sql = this.field(item.field);
    if (item.cast) sql = `(${sql})::${this.castType(item.cast)}`;
    const last = item.field.path.at(-1);
    const name = item.alias ?? (last && !last.index ? last.key : item.field.name);
    return `${sql} as ${quoteIdentifier(name)}`;
  }

  filter(filter: Filter): string {
    const left = this.field(filter.field);
    const operation = filter.operation;
    let sql: string;
    switch (operation.kind) {
      case 'compare': {
        const pattern = ['like', 'ilike'].includes(operation.operator);
        const value = pattern ? operation.value.replaceAll('*', '%') : operation.value;
        const operator = comparisonSql[operation.operator];
        sql = operation.quantifier
          ? `${left} ${operator} ${operation.quantifier}(${this.parameter(value)})`
          : `${left} ${operator} ${this.parameter(value)}`;
        break;
      }
      case 'contain':
        sql = `${left} ${containmentSql[operation.operator]} ${this.parameter(operation.value)}`;
        break;
      case 'in':
        // `in.()` is the empty list, as in PostgREST (= ANY('{}')): it matches nothing. The
        // column stays in the SQL so a JSON path's parameters are still referenced.
        sql =
          operation.values.length === 1 && operation.values[0] === ''
            ? `(${left} is null and false)`
            : `${left} in (${operation.values.map((value) => this.parameter(value)).join(', ')})`;
        break;
      case 'is':
        sql = `${left} ${isSql[operation.value]}`;
        break;
      case 'isdistinct':
        sql = `${left} is distinct from ${this.parameter(operation.value)}`;
        break;
    }
    return filter.negated ? `not (${sql})` : sql;
  }

  condition(condition: Condition): string {
    if (condition.kind === 'filter') return this.filter(condition.filter);
    const joined = condition.children
      .map((child) => `(${this.condition(child)})`)
      .join(` ${condition.operator} `);
    return condition.negated ? `not (${joined})` : `(${joined})`;
  }

  orderTerm(term: OrderTerm): string {
    const direction = term.direction ? ` ${term.direction}` : '';
    const nulls = term.nulls ? (term.nulls === 'nullsfirst' ? ' nulls first' : ' nulls last') : '';
    return `${this.field(term.field)}${direction}${nulls}`;
  }
}

export interface ReadStatementOptions {
  /** HEAD: the body is not built at all. */
  head: boolean;
  /** The result is one object (Accept object, or a function returning one composite). */
  object: boolean;
  /** Count every row the filters let through (`count=exact|estimated`). */
  countTotal: boolean;
}

/**
 * The read as one statement, JSON built by PostgreSQL. Returns `total` (the filtered rows,
 * when counted), `rows` (rows in the page) and `body` (the JSON text, as PostgreSQL renders it).
 */
export function buildReadStatement(
  source: ReadSource,
  shape: ReadShape,
  castTypes: ReadonlyMap<string, string>,
  options: ReadStatementOptions,
): ReadStatement {
  const sql = new StatementBuilder(source, castTypes);
  const where =
    shape.where.length === 0
      ? ''
      : ` where ${shape.where.map((c) => sql.condition(c)).join(' and ')}`;
  const filteredValues = [...sql.values];
  const selectList = shape.select.map((item) => sql.selectItem(item)).join(', ');
  const order =
    shape.order.length === 0
      ? ''
      : ` order by ${shape.order.map((t) => sql.orderTerm(t)).join(', ')}`;
  const page = `${shape.limit === undefined ? '' : ` limit ${shape.limit}`}${
    shape.offset > 0 ? ` offset ${shape.offset}` : ''
  }`;
  const alias = quoteIdentifier(source.name);
  const aggregate = options.object
    ? `(pg_catalog.json_agg(_pgrst_t.*) -> 0)`
    : `coalesce(pg_catalog.json_agg(_pgrst_t.*), '[]')`;
  const stripped = shape.stripNulls ? `pg_catalog.json_strip_nulls(${aggregate})` : aggregate;
  const body = options.head
    ? 'null::text'
    : options.object
      ? `coalesce((${stripped})::text, 'null')`
      : `(${stripped})::text`;
  const total = options.countTotal
    ? '(select pg_catalog.count(*) from _pgrst_source)'
    : 'null::int8';
  const text =
    `with _pgrst_source as (select ${alias}.* from ${source.from}${where}) ` +
    `select ${total} as total, pg_catalog.count(*)::int as rows, ${body} as body ` +
    `from (select ${selectList} from _pgrst_source as ${alias}${order}${page}) as _pgrst_t`;
  return {
    text,
    values: sql.values,
    plannedCount: {
      text: `explain (format json) select 1 from ${source.from}${where}`,
      values: filteredValues,
    },
  };
}
