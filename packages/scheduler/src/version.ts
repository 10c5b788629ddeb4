import { readFileSync } from 'node:fs';

// The production bundle inlines the version (tooling/release/src/bundle.ts); from source it is
// read from package.json, which changesets keeps current.
declare const PM_BUNDLED_VERSION: string | undefined;

/** The running scheduler's version, as released by changesets (`@peer-mentor/scheduler@<version>`). */
export const schedulerVersion: string =
  typeof PM_BUNDLED_VERSION === 'string'
    ? PM_BUNDLED_VERSION
    : (
        JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
          version: string;
        }
      ).version;
