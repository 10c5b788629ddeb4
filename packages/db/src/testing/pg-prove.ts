import { spawn } from 'node:child_process';

export interface TapCounts {
  passed: number;
  failed: number;
  skipped: number;
  /** Files whose plan did not match or that stopped on an SQL error. */
  brokenFiles: string[];
  /** Each failed assertion as `<file>: not ok <n> - <description>`. */
  failedTests: string[];
}

/**
 * Runs pgTAP files with pg_prove against one database. Every file wraps itself in
 * `begin; ... rollback;`, so they can share the database. Output streams to `onOutput`;
 * the counts come from the TAP lines themselves.
 */
export function runPgProve(
  databaseUrl: string,
  files: readonly string[],
  options: { cwd: string; onOutput?: (text: string) => void },
): Promise<TapCounts> {
  const url = new URL(databaseUrl);
  const args = [
    '--verbose',
    '--host',
    url.hostname,
    '--port',
    url.port || '5432',
    '--username',
    decodeURIComponent(url.username || 'postgres'),
    '--dbname',
    decodeURIComponent(url.pathname.slice(1)),
    ...files,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('pg_prove', args, {
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        // pgTAP lives in schema extensions, as on Supabase.
        PGOPTIONS: '-c search_path=public,extensions',
        ...(url.password ? { PGPASSWORD: decodeURIComponent(url.password) } : {}),
      },
    });
    let output = '';
    const take = (chunk: Buffer) => {
      output += chunk.toString();
      options.onOutput?.(chunk.toString());
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (error) =>
      reject(
        new Error(
          `cannot run pg_prove (Debian: libtap-parser-sourcehandler-pgtap-perl): ${error.message}`,
        ),
      ),
    );
    child.on('close', () => resolve(countTap(output)));
  });
}

/** Counts TAP results in pg_prove --verbose output. */
export function countTap(output: string): TapCounts {
  const counts: TapCounts = { passed: 0, failed: 0, skipped: 0, brokenFiles: [], failedTests: [] };
  let file = '';
  for (const line of output.split('\n')) {
    // pg_prove --verbose starts each file's results with `<file> ..`.
    const header = /^(\S+\.sql) \.\./.exec(line);
    if (header?.[1]) file = header[1];
    const result = /^(not )?ok \d+/.exec(line);
    if (result) {
      if (/#\s*skip/i.test(line)) counts.skipped += 1;
      else if (result[1] || /#\s*todo/i.test(line)) {
        // A failing TODO is expected to fail; only real failures count against the run.
        if (result[1] && !/#\s*todo/i.test(line)) {
          counts.failed += 1;
          counts.failedTests.push(`${file || '(pgTAP)'}: ${line.trim()}`);
        } else counts.passed += 1;
      } else counts.passed += 1;
    }
  }
  // The summary names every file with a problem: those that died (a non-zero exit status) or
  // missed their plan (a parse error) are broken; a file named only for failed assertions is
  // not, as those failures are counted above already.
  const summary = output.split('Test Summary Report')[1] ?? '';
  for (const block of summary.split(/^(?=\S+\.sql \(Wstat:)/m)) {
    const header = /^(\S+\.sql) \(Wstat: (\d+)/.exec(block);
    if (header?.[1] && (header[2] !== '0' || /Parse errors:/.test(block))) {
      counts.brokenFiles.push(header[1]);
    }
  }
  return counts;
}
