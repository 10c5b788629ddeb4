import pg from 'pg';

/** Runs `work` on a fresh connection to `url` and closes it afterwards. */
export async function withClient<T>(
  url: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * CHECKPOINT after a load, so the load's dirty pages are written now and not by a spread
 * checkpoint during the timed runs. Needs superuser or pg_checkpoint; returns whether it ran.
 */
export async function checkpoint(url: string): Promise<boolean> {
  return withClient(url, async (client) => {
    try {
      await client.query('checkpoint');
      return true;
    } catch {
      return false;
    }
  });
}
