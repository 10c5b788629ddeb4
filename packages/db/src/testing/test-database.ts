import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import { cloneDatabase, dropDatabase } from './test-server.js';

export interface TestDatabase {
  /** Superuser URL of this test file's own database (filled in before the tests run). */
  readonly url: string;
  /** The server's admin URL, for server-wide checks. */
  readonly adminUrl: string;
}

/**
 * Gives the calling test file its own database, cloned from the migrated template before
 * its tests and dropped after them.
 */
export function useTestDatabase(): TestDatabase {
  const { adminUrl, template } = inject('testDatabaseServer');
  const name = `pm_test_${randomBytes(6).toString('hex')}`;
  let url = '';
  beforeAll(async () => {
    url = await cloneDatabase(adminUrl, template, name);
  });
  afterAll(async () => {
    await dropDatabase(adminUrl, name);
  });
  return {
    get url() {
      if (!url) throw new Error('the test database is ready only inside tests and hooks');
      return url;
    },
    adminUrl,
  };
}
