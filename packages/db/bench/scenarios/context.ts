import type { PgbenchProtocol } from '../pgbench.js';

/** What every scenario needs to run pgbench the same way. */
export interface BenchContext {
  /** Directory holding pgbench. */
  binDir: string;
  clients: number;
  threads: number;
  durationSeconds: number;
  protocol: PgbenchProtocol;
  progress: (line: string) => void;
}

/** The pgbench settings shared by every run of a scenario. */
export function pgbenchRun(context: BenchContext) {
  return {
    binDir: context.binDir,
    clients: context.clients,
    threads: context.threads,
    durationSeconds: context.durationSeconds,
    protocol: context.protocol,
  };
}
