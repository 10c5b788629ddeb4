import { execFileSync } from 'node:child_process';
import os from 'node:os';
import type { Queryable } from './queryable.js';

export interface MachineFacts {
  cores: number;
  cpuModel: string | null;
  memoryGiB: number;
  platform: string;
  node: string;
}

export function machineFacts(): MachineFacts {
  return {
    cores: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? null,
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

/** The 1, 5 and 15 minute load averages, to two decimals. */
export function loadAverage(): number[] {
  return os.loadavg().map((value) => Number(value.toFixed(2)));
}

export interface GitFacts {
  commit: string | null;
  branch: string | null;
  /** Whether the watched paths (or the whole tree) had uncommitted changes; null without git. */
  uncommittedChanges: boolean | null;
}

function git(cwd: string, args: string[]): string | null {
  try {
    return execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

/** Which code the figures belong to; `paths` narrows "uncommitted changes" to what matters. */
export function gitFacts(cwd: string, paths: readonly string[] = []): GitFacts {
  const status = git(cwd, ['status', '--porcelain', '--', ...paths]);
  return {
    commit: git(cwd, ['rev-parse', 'HEAD']),
    branch: git(cwd, ['rev-parse', '--abbrev-ref', 'HEAD']),
    uncommittedChanges: status === null ? null : status.length > 0,
  };
}

export interface PostgresFacts {
  /** `select version()`. */
  version: string;
  /** `server_version`, e.g. `15.18 (Debian 15.18-0+deb12u1)`. */
  serverVersion: string;
  settings: Record<string, string>;
}

/** The settings that move database figures most. */
export const POSTGRES_SETTINGS = [
  'shared_buffers',
  'work_mem',
  'effective_cache_size',
  'random_page_cost',
  'jit',
  'fsync',
  'synchronous_commit',
  'full_page_writes',
  'max_connections',
] as const;

export async function postgresFacts(
  client: Queryable,
  settingNames: readonly string[] = POSTGRES_SETTINGS,
): Promise<PostgresFacts> {
  const version = await client.query('select version(), current_setting($1) as server_version', [
    'server_version',
  ]);
  const settings = await client.query(
    'select name, setting, unit from pg_settings where name = any($1) order by name',
    [settingNames],
  );
  return {
    version: String(version.rows[0]?.version),
    serverVersion: String(version.rows[0]?.server_version),
    settings: Object.fromEntries(
      settings.rows.map((row: { name: string; setting: string; unit: string | null }) => [
        row.name,
        row.unit ? `${row.setting} ${row.unit}` : row.setting,
      ]),
    ),
  };
}
