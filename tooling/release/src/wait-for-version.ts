/**
 * `tsx tooling/release/src/wait-for-version.ts <healthz-url> <version> [--timeout-seconds N]`:
 * after a rollout, polls a service's /healthz until it reports the released version (exit 0),
 * or gives up after the timeout (exit 1, with the last answer). The deploy workflows end with
 * it, so a deploy is green only when the new version is the one serving.
 */
import { parseArgs } from 'node:util';

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/** Resolves with the number of polls it took; rejects with the last answer on timeout. */
export async function waitForVersion(
  url: string,
  version: string,
  options: WaitOptions = {},
): Promise<number> {
  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  let last = 'no answer yet';
  for (let polls = 1; ; polls++) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      const body = (await response.json().catch(() => null)) as { version?: unknown } | null;
      if (response.ok && body?.version === version) return polls;
      last = `HTTP ${response.status}, version ${String(body?.version)}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() >= deadline) {
      throw new Error(`${url} did not report version ${version} in time (last: ${last})`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 5_000));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { 'timeout-seconds': { type: 'string' } },
  });
  const [url, version] = positionals;
  if (!url || !version) {
    console.error('usage: wait-for-version.ts <healthz-url> <version> [--timeout-seconds N]');
    process.exit(64);
  }
  const timeoutSeconds = Number(values['timeout-seconds'] ?? 300);
  waitForVersion(url, version, { timeoutMs: timeoutSeconds * 1000 }).then(
    (polls) => console.log(`${url} serves ${version} (after ${polls} poll(s))`),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
