import type { BatchReport, InvocationResult, RunSnapshot } from '../../jobs/nightly/index.js';

const count = (value: number) => value.toLocaleString('en-US');
const shortId = (id: string | null) => (id ? `${id.slice(0, 8)}…` : 'all');

/** "certification-expiry org 3f2a1b0c… 2026-11-26", the words every progress line starts with. */
export function describeRun(run: RunSnapshot): string {
  return `${run.job} org ${shortId(run.organizationId)} ${run.runDate}`;
}

export interface ProgressDisplay {
  batch(report: BatchReport): void;
  finish(result: InvocationResult): void;
}

/**
 * Progress of a one-shot run. On a terminal: one line, rewritten after every batch. Otherwise
 * (a log file, a test): a line when a run starts, at most one a second while it goes, and one
 * when it finishes.
 */
export function createProgressDisplay(
  stream: { write(text: string): unknown },
  interactive: boolean,
  now: () => number = () => performance.now(),
): ProgressDisplay {
  const startedAt = new Map<string, number>();
  let lastLineAt = 0;
  let openLine = false;
  const line = (text: string, final: boolean) => {
    if (interactive) {
      stream.write(`\r\x1b[K${text}${final ? '\n' : ''}`);
      openLine = !final;
    } else {
      stream.write(`${text}\n`);
    }
    lastLineAt = now();
  };
  return {
    batch({ run }) {
      const first = !startedAt.has(run.id);
      if (first) startedAt.set(run.id, now());
      const seconds = Math.max((now() - (startedAt.get(run.id) ?? now())) / 1000, 0.001);
      const changed = run.mentorsChanged + run.eventsPurged;
      if (run.finishedAt) {
        line(
          `${describeRun(run)} ${run.outcome}: ${count(run.batches)} batches, ${count(run.examined)} examined, ` +
            `${count(changed)} changed, ${count(run.recorded)} recorded, ${count(run.errors)} errors ` +
            `(slowest batch ${Math.round(run.longestBatchMs)} ms)`,
          true,
        );
        return;
      }
      if (interactive || first || now() - lastLineAt >= 1_000) {
        line(
          `${describeRun(run)} batch ${count(run.batches)}: ${count(run.examined)} examined, ` +
            `${count(changed)} changed, ${count(run.errors)} errors, ${count(Math.round(changed / seconds))} changed/s`,
          false,
        );
      }
    },
    finish(result) {
      if (openLine) stream.write('\n');
      line(
        `${result.done ? 'done' : 'stopped'}: ${count(result.batches)} batches, ` +
          `${count(result.mentorsChanged)} mentors changed, ${count(result.eventsPurged)} events purged, ` +
          `${count(result.errors)} errors`,
        true,
      );
    },
  };
}
