export type Progress = (line: string) => void;

/**
 * A progress logger for long runs: `[<label> bench   12s] line`, seconds since it was made.
 * `write` and `now` are there for tests.
 */
export function createProgress(
  label: string,
  options: { write?: (line: string) => void; now?: () => number } = {},
): Progress {
  const now = options.now ?? (() => performance.now());
  const write = options.write ?? ((line: string) => console.log(line));
  const started = now();
  return (line) => {
    const elapsed = ((now() - started) / 1000).toFixed(0).padStart(4);
    write(`[${label} bench ${elapsed}s] ${line}`);
  };
}
