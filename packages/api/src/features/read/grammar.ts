import { postgrestError } from '../../errors.js';

// PostgREST's query grammar (v12, src/PostgREST/ApiRequest/QueryParams.hs), parsed into plain
// data. Nothing here touches SQL: names are checked against the schema cache and quoted, and
// values become bind parameters, in read-sql.ts.

/** One `->`/`->>` step of a JSON path: an object key or an array index. */
export interface JsonStep {
  arrow: '->' | '->>';
  key: string;
  index: boolean;
}

/** A column, optionally followed by a JSON path (`data->a->>b`). */
export interface Field {
  name: string;
  path: JsonStep[];
}

export type SelectItem =
  | { kind: 'star' }
  | { kind: 'column'; field: Field; alias: string | undefined; cast: string | undefined };

export const COMPARISON_OPERATORS = [
  'eq',
  'neq',
  'gt',
  'gte',
  'lt',
  'lte',
  'like',
  'ilike',
  'match',
  'imatch',
] as const;
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];

/** Operators for arrays and ranges, applied to the value cast to the column's type. */
export const CONTAINMENT_OPERATORS = ['cs', 'cd', 'ov', 'sl', 'sr', 'nxr', 'nxl', 'adj'] as const;
export type ContainmentOperator = (typeof CONTAINMENT_OPERATORS)[number];

const FULL_TEXT_OPERATORS = ['fts', 'plfts', 'phfts', 'wfts'];

export const IS_VALUES = ['null', 'not_null', 'true', 'false', 'unknown'] as const;
export type IsValue = (typeof IS_VALUES)[number];

export type Operation =
  | {
      kind: 'compare';
      operator: ComparisonOperator;
      quantifier: 'any' | 'all' | undefined;
      value: string;
    }
  | { kind: 'contain'; operator: ContainmentOperator; value: string }
  | { kind: 'in'; values: string[] }
  | { kind: 'is'; value: IsValue }
  | { kind: 'isdistinct'; value: string };

export interface Filter {
  field: Field;
  negated: boolean;
  operation: Operation;
}

export type Condition =
  | { kind: 'filter'; filter: Filter }
  | { kind: 'logic'; negated: boolean; operator: 'and' | 'or'; children: Condition[] };

export interface OrderTerm {
  field: Field;
  direction: 'asc' | 'desc' | undefined;
  nulls: 'nullsfirst' | 'nullslast' | undefined;
}

/** PostgREST's PGRST100: the query string does not parse. */
export function parseError(what: string, input: string, position: number, details: string) {
  return postgrestError(
    400,
    'PGRST100',
    `"failed to parse ${what} (${input})" (line 1, column ${position + 1})`,
    { details },
  );
}

/** PostgREST's PGRST200 for any embedded resource: embedding is not served here. */
export function embeddingNotServed(parent: string, child: string) {
  return postgrestError(
    400,
    'PGRST200',
    `Could not find a relationship between '${parent}' and '${child}' in the schema cache`,
    {
      details:
        'Embedding resources (relation(...) in select, order or filters) is not served by this API',
      hint: 'Read each table on its own, or use an RPC that returns the combined rows',
    },
  );
}

/** How deeply `and(…)`/`or(…)` may nest: deeper is a parse error, never a stack overflow. */
export const MAX_LOGIC_DEPTH = 32;

class Cursor {
  position = 0;
  depth = 0;
  constructor(
    readonly input: string,
    readonly what: string,
  ) {}
  get done() {
    return this.position >= this.input.length;
  }
  peek(length = 1) {
    return this.input.slice(this.position, this.position + length);
  }
  startsWith(text: string) {
    return this.input.startsWith(text, this.position);
  }
  eat(text: string): boolean {
    if (!this.startsWith(text)) return false;
    this.position += text.length;
    return true;
  }
  expect(text: string, description = `"${text}"`) {
    if (!this.eat(text)) this.fail(`expecting ${description}`);
  }
  skipSpaces() {
    while (this.peek() === ' ' || this.peek() === '\t') this.position += 1;
  }
  fail(expecting: string): never {
    const found = this.done ? 'end of input' : `"${this.peek()}"`;
    throw parseError(this.what, this.input, this.position, `unexpected ${found} ${expecting}`);
  }
}

// Identifier characters: letters, digits, `_`, `$` and spaces (PostgREST strips the ends).
const identifierCharacter = /[\p{L}\p{N}_$ ]/u;

function readQuoted(cursor: Cursor): string {
  cursor.expect('"');
  let text = '';
  for (;;) {
    if (cursor.done) cursor.fail('expecting closing quote');
    const character = cursor.peek();
    cursor.position += 1;
    if (character === '"') return text;
    if (character === '\\') {
      if (cursor.done) cursor.fail('expecting an escaped character');
      text += cursor.peek();
      cursor.position += 1;
    } else {
      text += character;
    }
  }
}

/** Runs of `accept` characters joined by single dashes that do not start `->`. */
function readDashed(cursor: Cursor, accept: (character: string) => boolean, expecting: string) {
  const parts: string[] = [];
  for (;;) {
    let part = '';
    while (!cursor.done && accept(cursor.peek())) {
      part += cursor.peek();
      cursor.position += 1;
    }
    if (part === '') cursor.fail(expecting);
    parts.push(part.trim());
    if (cursor.peek() === '-' && cursor.peek(2) !== '->') cursor.position += 1;
    else return parts.join('-');
  }
}

function readFieldName(cursor: Cursor): string {
  if (cursor.peek() === '"') return readQuoted(cursor);
  return readDashed(
    cursor,
    (character) => identifierCharacter.test(character),
    'expecting field name (* or [a..z0..9_$])',
  );
}

function readJsonPath(cursor: Cursor): JsonStep[] {
  const steps: JsonStep[] = [];
  for (;;) {
    let arrow: JsonStep['arrow'];
    if (cursor.eat('->>')) arrow = '->>';
    else if (cursor.eat('->')) arrow = '->';
    else return steps;
    const index = /^[+-]?\d+/.exec(cursor.input.slice(cursor.position));
    const after = index ? cursor.input.slice(cursor.position + index[0].length) : '';
    if (index && /^(->|::|\.|,|\)|$)/.test(after)) {
      cursor.position += index[0].length;
      steps.push({ arrow, key: index[0], index: true });
    } else if (cursor.peek() === '"') {
      steps.push({ arrow, key: readQuoted(cursor), index: false });
    } else {
      const key = readDashed(
        cursor,
        (character) => !'(-:.,>)'.includes(character),
        'expecting any non reserved character different from: .,>()',
      );
      steps.push({ arrow, key, index: false });
    }
  }
}

function readField(cursor: Cursor): Field {
  cursor.skipSpaces();
  const name = readFieldName(cursor);
  const path = readJsonPath(cursor);
  cursor.skipSpaces();
  return { name, path };
}

function readIdentifier(cursor: Cursor): string {
  let text = '';
  while (!cursor.done && identifierCharacter.test(cursor.peek())) {
    text += cursor.peek();
    cursor.position += 1;
  }
  if (text.trim() === '') cursor.fail('expecting an identifier');
  return text.trim();
}

const atItemEnd = (cursor: Cursor) => cursor.done || cursor.peek() === ',';

/**
 * `select`: `*`, `column`, `alias:column`, `column::type`, `column->key->>key`. Embedded
 * resources (`relation(...)`, `...relation(...)`, `relation!hint(...)`) are PGRST200 here, and
 * aggregates PGRST123 (disabled, as on Supabase by default).
 */
export function parseSelect(input: string, resource: string): SelectItem[] {
  const cursor = new Cursor(input, 'select parameter');
  const items: SelectItem[] = [];
  if (input.trim() === '') return items;
  for (;;) {
    cursor.skipSpaces();
    if (cursor.eat('*')) {
      cursor.skipSpaces();
      if (!atItemEnd(cursor)) cursor.fail('expecting "," or end of input');
      items.push({ kind: 'star' });
    } else {
      if (cursor.startsWith('...')) throw embeddingNotServed(resource, spreadName(cursor));
      const first = readFieldName(cursor);
      let alias: string | undefined;
      let name = first;
      if (cursor.peek() === ':' && cursor.peek(2) !== '::') {
        cursor.position += 1;
        alias = first;
        name = readFieldName(cursor);
      }
      if (cursor.peek() === '(' || cursor.peek() === '!') {
        if (name === 'count' && cursor.startsWith('()')) throw aggregatesNotAllowed();
        throw embeddingNotServed(resource, name);
      }
      const path = readJsonPath(cursor);
      cursor.skipSpaces();
      let cast: string | undefined;
      if (cursor.eat('::')) cast = readIdentifier(cursor);
      if (
        cursor.peek() === '.' &&
        /^\.(sum|avg|count|max|min)\(\)/.test(cursor.input.slice(cursor.position))
      ) {
        throw aggregatesNotAllowed();
      }
      cursor.skipSpaces();
      if (!atItemEnd(cursor)) cursor.fail('expecting "," or end of input');
      items.push({ kind: 'column', field: { name, path }, alias, cast });
    }
    if (cursor.done) return items;
    cursor.expect(',');
  }
}

function spreadName(cursor: Cursor): string {
  cursor.position += 3;
  return readFieldName(cursor);
}

function aggregatesNotAllowed() {
  return postgrestError(400, 'PGRST123', 'Use of aggregate functions is not allowed');
}

function readOperator<T extends string>(cursor: Cursor, names: readonly T[]): T | undefined {
  // Longest first, so `gte` is not read as `gt` + `e`.
  const sorted = [...names].sort((a, b) => b.length - a.length);
  for (const name of sorted) {
    if (cursor.startsWith(name)) {
      const next = cursor.input[cursor.position + name.length];
      if (next === '.' || next === '(') {
        cursor.position += name.length;
        return name;
      }
    }
  }
  return undefined;
}

function readListValue(cursor: Cursor): string[] {
  cursor.skipSpaces();
  cursor.expect('(');
  cursor.skipSpaces();
  const values: string[] = [];
  for (;;) {
    const start = cursor.position;
    let value: string | undefined;
    if (cursor.peek() === '"') {
      const quoted = readQuoted(cursor);
      if (cursor.peek() === ',' || cursor.peek() === ')') value = quoted;
      else cursor.position = start;
    }
    if (value === undefined) {
      value = '';
      while (!cursor.done && cursor.peek() !== ',' && cursor.peek() !== ')') {
        value += cursor.peek();
        cursor.position += 1;
      }
    }
    values.push(value);
    if (cursor.eat(',')) continue;
    cursor.skipSpaces();
    cursor.expect(')');
    cursor.skipSpaces();
    return values;
  }
}

/**
 * An operator expression: `[not.]op.value`, `op(any|all).value`, `in.(a,"b,c")`,
 * `is.null|not_null|true|false|unknown`, `isdistinct.value`. `readValue` reads the value's
 * text (the rest of the input, or up to `,`/`)` inside a logic tree).
 */
function readOperation(
  cursor: Cursor,
  readValue: (cursor: Cursor) => string,
): { negated: boolean; operation: Operation } {
  const negated = cursor.startsWith('not.') ? cursor.eat('not.') : false;
  if (cursor.eat('in.'))
    return { negated, operation: { kind: 'in', values: readListValue(cursor) } };
  if (cursor.eat('is.')) {
    const word = IS_VALUES.find(
      (value) =>
        cursor.input.slice(cursor.position).toLowerCase().startsWith(value) &&
        !/^[\w]/.test(cursor.input.slice(cursor.position + value.length)),
    );
    if (!word) cursor.fail('expecting null or trilean value (unknown, true, false)');
    cursor.position += word.length;
    return { negated, operation: { kind: 'is', value: word } };
  }
  if (cursor.eat('isdistinct.')) {
    return { negated, operation: { kind: 'isdistinct', value: readValue(cursor) } };
  }
  if (readOperator(cursor, FULL_TEXT_OPERATORS)) {
    throw postgrestError(400, 'PGRST127', 'Feature not implemented', {
      details: 'Full-text search operators (fts, plfts, phfts, wfts) are not served by this API',
    });
  }
  const contain = readOperator(cursor, CONTAINMENT_OPERATORS);
  if (contain) {
    cursor.expect('.', 'delimiter (.)');
    return { negated, operation: { kind: 'contain', operator: contain, value: readValue(cursor) } };
  }
  const compare = readOperator(cursor, COMPARISON_OPERATORS);
  if (!compare) cursor.fail('expecting operator (eq, gt, ...)');
  let quantifier: 'any' | 'all' | undefined;
  if (cursor.eat('(any)')) quantifier = 'any';
  else if (cursor.eat('(all)')) quantifier = 'all';
  cursor.expect('.', 'delimiter (.)');
  return {
    negated,
    operation: { kind: 'compare', operator: compare, quantifier, value: readValue(cursor) },
  };
}

const restOfInput = (cursor: Cursor) => {
  const value = cursor.input.slice(cursor.position);
  cursor.position = cursor.input.length;
  return value;
};

/** A filter's value side (`eq.5`, `not.in.(1,2)`); PGRST100 when it has no operator. */
export function parseFilterValue(input: string): { negated: boolean; operation: Operation } {
  const cursor = new Cursor(input, 'filter');
  const expression = readOperation(cursor, restOfInput);
  if (!cursor.done) cursor.fail('expecting end of input');
  return expression;
}

/** Whether a value is an operator expression (on RPC GET, the others are arguments). */
export function isOperatorExpression(input: string): boolean {
  try {
    parseFilterValue(input);
    return true;
  } catch {
    return false;
  }
}

/** A filter's key: `column` or `column->json->>path`; `a.b` names an embedded resource. */
export function parseFilterKey(key: string): Field {
  const cursor = new Cursor(key, 'tree path');
  const names = [readFieldName(cursor)];
  while (cursor.eat('.')) names.push(readFieldName(cursor));
  const path = readJsonPath(cursor);
  if (!cursor.done) cursor.fail('expecting "." or end of input');
  if (names.length > 1) throw notEmbedded(names[0] as string);
  return { name: names[0] as string, path };
}

/** PostgREST's PGRST108: a filter or modifier names a resource the select does not embed. */
export function notEmbedded(resource: string) {
  return postgrestError(
    400,
    'PGRST108',
    `'${resource}' is not an embedded resource in this request`,
    {
      hint: `Verify that '${resource}' is included in the 'select' query parameter.`,
    },
  );
}

// Inside a logic tree a value ends at `,` or `)`, unless quoted or a {postgres,array}.
function logicValue(cursor: Cursor): string {
  const start = cursor.position;
  if (cursor.peek() === '"') {
    const quoted = readQuoted(cursor);
    if (cursor.done || cursor.peek() === ',' || cursor.peek() === ')') return quoted;
    cursor.position = start;
  }
  if (cursor.peek() === '{') {
    const close = cursor.input.indexOf('}', cursor.position);
    const inner = close < 0 ? '' : cursor.input.slice(cursor.position + 1, close);
    if (close >= 0 && !inner.includes('{')) {
      cursor.position = close + 1;
      return `{${inner}}`;
    }
  }
  let value = '';
  while (!cursor.done && cursor.peek() !== ',' && cursor.peek() !== ')') {
    value += cursor.peek();
    cursor.position += 1;
  }
  return value;
}

function readCondition(cursor: Cursor): Condition {
  cursor.skipSpaces();
  const start = cursor.position;
  const negated = cursor.startsWith('not.') ? cursor.eat('not.') : false;
  const operator = cursor.eat('and(') ? 'and' : cursor.eat('or(') ? 'or' : undefined;
  if (operator) {
    cursor.position -= 1;
    return { kind: 'logic', negated, operator, children: readConditionList(cursor) };
  }
  cursor.position = start;
  const field = readField(cursor);
  cursor.expect('.', 'delimiter (.)');
  const { negated: filterNegated, operation } = readOperation(cursor, logicValue);
  return { kind: 'filter', filter: { field, negated: filterNegated, operation } };
}

function readConditionList(cursor: Cursor): Condition[] {
  cursor.skipSpaces();
  cursor.expect('(');
  cursor.depth += 1;
  if (cursor.depth > MAX_LOGIC_DEPTH) {
    cursor.fail(`expecting at most ${MAX_LOGIC_DEPTH} nested logic operators`);
  }
  const children: Condition[] = [];
  for (;;) {
    children.push(readCondition(cursor));
    cursor.skipSpaces();
    if (cursor.eat(',')) continue;
    cursor.expect(')', '"," or ")"');
    cursor.skipSpaces();
    cursor.depth -= 1;
    return children;
  }
}

/** `or=(a.eq.1,and(b.gt.2,c.is.null))`, `not.and=(…)`: the key gives the outer operator. */
export function parseLogicTree(key: string, value: string): Condition {
  const parts = key.split('.');
  const operator = parts.at(-1) as 'and' | 'or';
  const prefix = parts.slice(0, -1);
  const negated = prefix.includes('not');
  const embed = prefix.filter((part) => part !== 'not');
  if (embed.length > 0) throw notEmbedded(embed[0] as string);
  const cursor = new Cursor(value, 'logic tree');
  const children = readConditionList(cursor);
  if (!cursor.done) cursor.fail('expecting end of input');
  return { kind: 'logic', negated, operator, children };
}

/** `order=a.desc.nullslast,b->c`: several terms, each with a direction and nulls placement. */
export function parseOrder(input: string, resource: string): OrderTerm[] {
  const cursor = new Cursor(input, 'order');
  const terms: OrderTerm[] = [];
  for (;;) {
    const field = readField(cursor);
    if (cursor.peek() === '(') throw embeddingNotServed(resource, field.name);
    let direction: OrderTerm['direction'];
    let nulls: OrderTerm['nulls'];
    if (cursor.eat('.asc')) direction = 'asc';
    else if (cursor.eat('.desc')) direction = 'desc';
    if (cursor.eat('.nullsfirst')) nulls = 'nullsfirst';
    else if (cursor.eat('.nullslast')) nulls = 'nullslast';
    cursor.skipSpaces();
    terms.push({ field, direction, nulls });
    if (cursor.done) return terms;
    cursor.expect(',', '"," or end of input');
  }
}
