// The pgTAP runner behind `pnpm test`: real pg_prove on a clone of the migrated database,
// counting each file's results and naming every failed assertion by its file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { useTestDatabase } from '@peer-mentor/db/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { runPgProve } from '../src/testing/pg-prove.js';

const database = useTestDatabase();
const dir = mkdtempSync(path.join(tmpdir(), 'pg-prove-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pgTapFile = (name: string, body: string) =>
  writeFileSync(
    path.join(dir, name),
    `begin;\ncreate extension if not exists pgtap with schema extensions;\n${body}\nselect * from finish();\nrollback;\n`,
  );

describe('runPgProve', () => {
  it('counts passed, failed, skipped and todo results, and names each failure with its file', async () => {
    pgTapFile(
      'a-passes.test.sql',
      `select plan(3);
select ok(true, 'a true thing');
select skip('not on this server', 1);
select todo('known gap', 1);
select ok(false, 'an expected failure under todo');`,
    );
    pgTapFile(
      'b-fails.test.sql',
      `select plan(2);
select is(1 + 1, 3, 'arithmetic the test gets wrong');
select ok(true, 'still true');`,
    );
    pgTapFile(
      'c-stops.test.sql',
      `select plan(2);
select ok(true, 'before the error');
select no_such_function();`,
    );
    const tap = await runPgProve(
      database.url,
      ['a-passes.test.sql', 'b-fails.test.sql', 'c-stops.test.sql'],
      { cwd: dir },
    );
    expect(tap).toMatchObject({ passed: 4, failed: 1, skipped: 1 });
    expect(tap.failedTests).toEqual([
      'b-fails.test.sql: not ok 1 - arithmetic the test gets wrong',
    ]);
    // The file that stopped on an SQL error is named though no assertion of it failed.
    expect(tap.brokenFiles).toEqual(['c-stops.test.sql']);
  });
});
