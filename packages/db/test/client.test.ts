import { createDb } from '@peer-mentor/db';
import { useTestDatabase } from '@peer-mentor/db/testing';
import { describe, expect, it } from 'vitest';

const database = useTestDatabase();

describe('createDb', () => {
  it('survives the server ending an idle connection: reported, discarded, and the pool works on', async () => {
    const failures: Error[] = [];
    const db = createDb(database.url, {
      maxConnections: 1,
      onIdleConnectionError: (error) => failures.push(error),
    });
    try {
      const { rows } = await db.pool.query<{ pid: number }>('select pg_backend_pid() as pid');
      const pid = rows[0]!.pid;
      // The connection is idle in the pool now; another session terminates its backend.
      const admin = createDb(database.url, { maxConnections: 1 });
      await admin.pool.query('select pg_terminate_backend($1)', [pid]);
      await admin.close();
      for (let waited = 0; failures.length === 0 && waited < 5_000; waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(failures.map((error) => (error as Error & { code?: string }).code)).toEqual(['57P01']);
      const again = await db.pool.query<{ pid: number }>('select pg_backend_pid() as pid');
      expect(again.rows[0]!.pid).not.toBe(pid);
    } finally {
      await db.close();
    }
  });
});
