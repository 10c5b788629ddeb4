import { type JwtClaims, userClaims } from '../src/caller.js';

/** A SQL string literal. */
export function sqlLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * A SQL text expression for `text`, which may hold pgbench variables (`:name`): a literal, or
 * its parts joined to the variables with `||`. pgbench then passes each variable as a value of
 * its own (a parameter under `--protocol=prepared`, as PostgREST sends its values) instead of
 * editing the inside of a literal, which only the simple protocol allows.
 */
export function sqlText(text: string): string {
  const parts = text.split(/(:[A-Za-z_]\w*)/).filter((part) => part !== '');
  if (parts.length === 1 && !parts[0]?.startsWith(':')) return sqlLiteral(text);
  return `(${parts.map((part) => (part.startsWith(':') ? `${part}::text` : sqlLiteral(part))).join(' || ')})`;
}

/**
 * Claims of a signed-in user acting in an organization, valid for a day (longer than any run).
 * The ids may contain pgbench variables (`:name`), substituted per transaction.
 */
export function benchClaims(userId: string, organizationId: string): JwtClaims {
  return userClaims(userId, organizationId, { exp: Math.floor(Date.now() / 1000) + 86_400 });
}

/**
 * One request the way PostgREST runs it: a transaction that sets the role and the claims
 * transaction-locally, then the statement(s). `body` may hold pgbench meta-commands.
 */
export function postgrestTransaction(
  claims: JwtClaims,
  body: readonly string[],
  options: { readOnly?: boolean } = {},
): string[] {
  return [
    options.readOnly ? 'begin read only;' : 'begin;',
    `select set_config('role', ${sqlLiteral(claims.role)}, true), set_config('request.jwt.claims', ${sqlText(JSON.stringify(claims))}, true);`,
    ...body,
    'commit;',
  ];
}

/** A pgbench script from its lines. */
export function pgbenchScript(lines: readonly string[]): string {
  return `${lines.join('\n')}\n`;
}
