import { type ChildProcess, spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { freeLoopbackPort } from '@peer-mentor/db';
import { afterAll } from 'vitest';

// The main job as a user starts it, for the tests: as its own process, or as `pnpm start` on
// a real pseudo-terminal; what it printed, Ctrl-C, and whether its ports are still open.

export interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

export interface StartOptions {
  /** `src/main.ts` is run from here ('process': an app root; 'terminal': a repository root). */
  cwd: string;
  /** Flags after `--`, e.g. --port. */
  args: string[];
  /**
   * 'process': `node --import tsx src/main.ts`, as `pnpm start` runs it, in its own process
   * group (pressCtrlC signals that group);
   * 'terminal': `pnpm start` in a pseudo-terminal (util-linux `script`), where what is written
   * to the child's stdin is typed on that terminal.
   */
  how?: 'process' | 'terminal';
}

/** The main job's three loopback ports: the API's, PostgreSQL's and the console's. */
export interface MainJobPorts {
  apiPort: number;
  dbPort: number;
  consolePort: number;
}

/** Three ports free on 127.0.0.1 now, for one start of the main job. */
export async function freeMainJobPorts(): Promise<MainJobPorts> {
  return {
    apiPort: await freeLoopbackPort(),
    dbPort: await freeLoopbackPort(),
    consolePort: await freeLoopbackPort(),
  };
}

/** The flags that put the main job on those ports. */
export function portFlags({ apiPort, dbPort, consolePort }: MainJobPorts): string[] {
  return [
    '--port',
    String(apiPort),
    '--db-port',
    String(dbPort),
    '--console-port',
    String(consolePort),
  ];
}

const running = new Set<ChildProcess>();

export function startMainJob({ cwd, args, how = 'process' }: StartOptions): Started {
  // DATABASE_URL would point it at another server; these tests are about the embedded one.
  const { DATABASE_URL: _ignored, LOCAL_JWT_SECRET: _secret, ...env } = process.env;
  const child =
    how === 'process'
      ? spawn(
          process.execPath,
          ['--conditions=@peer-mentor/source', '--import', 'tsx', 'src/main.ts', ...args],
          { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
        )
      : spawn('script', ['-qefc', `pnpm start -- ${args.join(' ')}`, '/dev/null'], {
          cwd,
          env,
          stdio: ['pipe', 'pipe', 'pipe'],
          detached: true,
        });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  running.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  // A terminal ends lines with CR LF; the tests read lines.
  return { child, output: () => output.replaceAll('\r', ''), exited };
}

afterAll(async () => {
  for (const child of running) pressCtrlC(child);
  await new Promise((resolve) => setTimeout(resolve, running.size > 0 ? 3000 : 0));
});

export async function waitForOutput(
  started: Started,
  pattern: RegExp,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(started.output())) {
    if (started.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`main job did not print ${pattern}; output so far:\n${started.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** What a terminal does on Ctrl-C without raw mode: SIGINT to every process of the foreground group. */
export function pressCtrlC(child: ChildProcess): void {
  if (child.pid) process.kill(-child.pid, 'SIGINT');
}

/** Ctrl-C typed on the pseudo-terminal of a `how: 'terminal'` start. */
export function typeCtrlC(started: Started): void {
  started.child.stdin?.write('\x03');
}

export function printed(output: string, pattern: RegExp): string {
  const match = output.match(pattern);
  if (!match?.[1]) throw new Error(`not printed: ${pattern}\n${output}`);
  return match[1];
}

/** The token printed under a demo user's line. */
export function printedToken(output: string, email: string): string {
  return printed(output, new RegExp(`${email.replaceAll('.', '\\.')} .*\\n\\s+token (\\S+)`));
}

/** The password printed on a demo user's line. */
export function printedPassword(output: string, email: string): string {
  return printed(output, new RegExp(`${email.replaceAll('.', '\\.')}\\s+password (\\S+)`));
}

export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
