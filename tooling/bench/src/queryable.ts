/** What the helpers need of a database connection: `pg`'s Client, PoolClient and Pool all fit. */
export interface Queryable {
  // biome-ignore lint/suspicious/noExplicitAny: rows are whatever the statement returns
  query(text: string, values?: unknown[]): Promise<{ rows: any[] }>;
}
