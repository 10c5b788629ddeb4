// The pub package in dart/, checked without a Dart SDK: every Dart file parses with a
// tree-sitter Dart grammar; the models' JSON keys and types equal the JSON Schema's, property
// by property, read from the parsed Dart; enums and error codes equal the TypeScript catalogs
// (which packages/db's parity tests compare with the SQL); the version is the npm package's;
// the CHANGELOG follows the changesets. Compiling and `dart test` need a Dart SDK.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import {
  packageRoot,
  pubPackageDir,
  readCheckedIn,
  renderCheckedIn,
} from '../scripts/artifacts.js';
import { parseChangeset, pendingChangesets } from '../scripts/changesets.js';
import { domainExceptionClasses } from '../scripts/dart-client.js';
import { constantsEnums, modelNames, wireNameOf } from '../scripts/dart-models.js';
import { PUB_PACKAGE_DIR, PUB_PACKAGE_NAME } from '../scripts/dart-package.js';
import { dartSyntaxErrors, parseDart, type SyntaxNode, walk } from '../scripts/dart-syntax.js';
import { dartTestSamples } from '../scripts/dart-tests.js';
import { jsonSchemaFor } from '../scripts/json-schema.js';
import { databaseRoles } from './claims.js';
import { actorRoles, memberRoles, pauseReasonCodes, pauseStatuses } from './enums.js';
import { domainErrorCatalog, platformErrorCatalog } from './errors.js';
import { rpcFunctions, rpcNames, type WireSchemaName } from './rpc.js';

const generated = renderCheckedIn();
const committed = readCheckedIn();
/** The pub package's files as generated now, by path inside dart/. */
const pub = new Map(
  [...generated]
    .filter(([file]) => file.startsWith(`${PUB_PACKAGE_DIR}/`))
    .map(([file, content]) => [file.slice(PUB_PACKAGE_DIR.length + 1), content]),
);
const pubFile = (file: string) => {
  const content = pub.get(file);
  if (content === undefined) throw new Error(`dart/${file} is not generated`);
  return content;
};
const tree = (file: string) => parseDart(pubFile(file));
const nodes = (root: SyntaxNode, type: string) => [...walk(root)].filter((n) => n.type === type);
const unquote = (literal: string) => literal.replace(/^'(.*)'$/s, '$1');

describe('the pub package', () => {
  it('has what a pub package needs, each file generated', () => {
    for (const file of [
      'pubspec.yaml',
      'analysis_options.yaml',
      'README.md',
      'CHANGELOG.md',
      'LICENSE',
      `lib/${PUB_PACKAGE_NAME}.dart`,
      'lib/repository.dart',
      'test/integration/pause_rpc_test.dart',
    ]) {
      expect(pub.has(file), file).toBe(true);
    }
    expect([...pub.keys()].filter((file) => file.startsWith('test/')).length).toBeGreaterThan(1);
  });

  it('is committed exactly as generated (after a change: pnpm --filter @peer-mentor/contracts generate)', () => {
    const stale = [...generated.keys()].filter(
      (file) =>
        file.startsWith(`${PUB_PACKAGE_DIR}/`) && committed.get(file) !== generated.get(file),
    );
    expect(stale).toEqual([]);
  });

  it('has the npm package’s version (changesets sets it; regenerate after pnpm version-packages)', () => {
    const npm = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8'));
    const pubspec = readFileSync(path.join(pubPackageDir, 'pubspec.yaml'), 'utf8');
    expect(/^version: (\S+)$/m.exec(pubspec)?.[1]).toBe(npm.version);
    expect(/^name: (\S+)$/m.exec(pubspec)?.[1]).toBe(PUB_PACKAGE_NAME);
    expect(pubspec).toMatch(/^environment:\n {2}sdk: '>=3\.0\.0 <4\.0\.0'$/m);
  });

  it('writes every pending changeset of the contracts into its CHANGELOG', () => {
    const changelog = pubFile('CHANGELOG.md');
    const pending = pendingChangesets().filter(
      (change) => change.releases['@peer-mentor/contracts'],
    );
    for (const change of pending) {
      expect(changelog).toContain(change.summary.split('\n')[0]);
    }
  });
});

describe('changesets', () => {
  it('every pending changeset parses as changesets reads it', () => {
    // pendingChangesets throws, naming the file, for one that changesets would refuse.
    expect(() => pendingChangesets()).not.toThrow();
  });

  it('refuses a file whose front matter a Markdown formatter turned into a heading', () => {
    expect(() =>
      parseChangeset('x.md', '---\n\n## "@peer-mentor/contracts": minor\n\nText'),
    ).toThrow(/x\.md/);
    expect(parseChangeset('y.md', '---\n"@peer-mentor/contracts": patch\n---\n\nFix.\n')).toEqual({
      file: 'y.md',
      releases: { '@peer-mentor/contracts': 'patch' },
      summary: 'Fix.',
    });
  });
});

describe('Dart syntax (tree-sitter Dart grammar)', () => {
  const dartFiles = [...pub.keys()].filter((file) => file.endsWith('.dart'));

  it('finds no ERROR or MISSING node in any Dart file of the package, tests included', () => {
    expect(dartFiles).toEqual(
      expect.arrayContaining(['lib/src/models.dart', 'test/models_test.dart']),
    );
    const problems = dartFiles.flatMap((file) =>
      dartSyntaxErrors(pubFile(file)).map((problem) => `${file}:${problem}`),
    );
    expect(problems).toEqual([]);
  });

  it('does find an error in Dart that is broken', () => {
    expect(dartSyntaxErrors('void main() { print(1) }')).toEqual([
      expect.stringMatching(/missing ;/),
    ]);
    expect(dartSyntaxErrors('class A { final int x = ; }').length).toBeGreaterThan(0);
  });

  it('checks the committed files too, not only fresh output', () => {
    const files = [...committed.keys()].filter(
      (file) => file.startsWith(`${PUB_PACKAGE_DIR}/`) && file.endsWith('.dart'),
    );
    expect(files.length).toBe(dartFiles.length);
    for (const file of files) expect(dartSyntaxErrors(committed.get(file)!), file).toEqual([]);
  });

  it('every name a Dart file uses from this package is declared in it or in what it imports', () => {
    const dartSources = new Map(dartFiles.map((file) => [file, pubFile(file)]));
    const ours = new Set(
      dartFiles
        .filter((file) => file.startsWith('lib/'))
        .flatMap((file) => topLevelNames(tree(file))),
    );
    const visible = visibleNames(dartSources);
    const unresolved: string[] = [];
    for (const file of dartFiles) {
      for (const node of walk(tree(file))) {
        const isName = node.type === 'type_identifier' || node.type === 'identifier';
        if (isName && ours.has(node.text) && !visible.get(file)!.has(node.text)) {
          unresolved.push(`${file}:${node.startPosition.row + 1}: ${node.text}`);
        }
      }
    }
    expect(unresolved).toEqual([]);
    expect(visible.get('test/models_test.dart')!.has('decodeKey'), 'json.dart stays private').toBe(
      false,
    );
  });

  it('every `Type.member` of this package that a Dart file names exists', () => {
    // Static members: enum values and lookups, constants, named constructors, static methods.
    const members = new Map<string, Set<string>>();
    for (const file of dartFiles.filter((name) => name.startsWith('lib/'))) {
      for (const node of walk(tree(file))) {
        if (node.type !== 'class_definition' && node.type !== 'enum_declaration') continue;
        const name = node.childForFieldName('name')!.text;
        const own = new Set<string>(node.type === 'enum_declaration' ? ['values'] : []);
        for (const constant of nodes(node, 'enum_constant')) {
          own.add(constant.childForFieldName('name')!.text);
        }
        const body = node.text;
        for (const match of body.matchAll(
          /^ {2}static (?:const |final )?[\w<>?, ]+? (\w+)\s*[=(;]/gm,
        )) {
          own.add(match[1]!);
        }
        for (const match of body.matchAll(
          new RegExp(`^ {2}(?:const |factory )?${name}\\.(\\w+)\\(`, 'gm'),
        )) {
          own.add(match[1]!);
        }
        members.set(name, own);
      }
    }
    expect([...members.get('PauseReasonCode')!]).toEqual(
      expect.arrayContaining(['health', 'fromWire']),
    );
    const missing: string[] = [];
    for (const file of dartFiles) {
      const code = pubFile(file)
        .split('\n')
        .map((line) => (line.trimStart().startsWith('//') ? '' : line))
        // String contents are text, not code.
        .map((line) => line.replace(/'(?:[^'\\]|\\.)*'/g, "''"))
        .join('\n');
      for (const match of code.matchAll(/\b([A-Z]\w*)\.([a-zA-Z]\w*)/g)) {
        const known = members.get(match[1]!);
        if (known && !known.has(match[2]!)) missing.push(`${file}: ${match[1]}.${match[2]}`);
      }
    }
    expect([...new Set(missing)]).toEqual([]);
  });

  it('uses in its tests only classes the library declares (or Dart, test and supabase ones)', () => {
    const declared = new Set<string>();
    for (const file of dartFiles.filter((name) => name.startsWith('lib/'))) {
      for (const node of walk(tree(file))) {
        if (node.type === 'class_definition' || node.type === 'enum_declaration') {
          declared.add(node.childForFieldName('name')!.text);
        }
      }
    }
    const external = new Set(
      'Map String List Object DateTime FormatException Future Function SupabaseClient PostgrestException dynamic int double bool num void'.split(
        ' ',
      ),
    );
    const unknown = new Set<string>();
    for (const file of dartFiles.filter((name) => name.startsWith('test/'))) {
      for (const node of walk(tree(file))) {
        if (
          node.type === 'type_identifier' &&
          !declared.has(node.text) &&
          !external.has(node.text)
        ) {
          unknown.add(`${file}: ${node.text}`);
        }
      }
    }
    // http.Request / http.Response are qualified; the grammar reads the prefix as a type too.
    expect([...unknown].filter((entry) => !/: (http|Request|Response)$/.test(entry))).toEqual([]);
  });
});

/** The names a Dart file declares at top level (classes, enums, typedefs, functions, constants). */
function topLevelNames(root: SyntaxNode): string[] {
  const names: string[] = [];
  for (const node of root.namedChildren) {
    if (['class_definition', 'enum_declaration'].includes(node.type)) {
      names.push(node.childForFieldName('name')!.text);
    } else if (node.type === 'type_alias') {
      names.push(node.namedChildren.find((child) => child.type === 'type_identifier')!.text);
    } else if (node.type === 'function_signature') {
      names.push(node.childForFieldName('name')!.text);
    } else if (node.type === 'static_final_declaration_list') {
      for (const declaration of node.namedChildren) names.push(declaration.namedChildren[0]!.text);
    }
  }
  return names;
}

/**
 * Which of this package's names each Dart file can see: its own, and those of the files it
 * imports, following their exports (`_` names stay in their file). Other packages' imports
 * (dart:, package:supabase, package:test) are not followed: their names cannot be checked here.
 */
function visibleNames(files: Map<string, string>): Map<string, Set<string>> {
  const roots = new Map([...files].map(([file, text]) => [file, parseDart(text)]));
  const target = (from: string, uri: string): string | undefined => {
    const own = `package:${PUB_PACKAGE_NAME}/`;
    if (uri.startsWith(own)) return `lib/${uri.slice(own.length)}`;
    if (/^(dart|package):/.test(uri)) return undefined;
    return path.posix.normalize(path.posix.join(path.posix.dirname(from), uri));
  };
  const directives = (file: string, kind: 'import' | 'export') =>
    roots
      .get(file)!
      .namedChildren.filter((node) => node.type === 'import_or_export')
      .map((node) => new RegExp(`^${kind}\\s+'([^']+)'`).exec(node.text)?.[1])
      .filter((uri): uri is string => uri !== undefined)
      .map((uri) => {
        const resolved = target(file, uri);
        if (resolved !== undefined && !roots.has(resolved)) {
          throw new Error(`${file}: ${kind} of ${uri}, which the package does not have`);
        }
        return resolved;
      })
      .filter((resolved): resolved is string => resolved !== undefined);
  const exported = (file: string, seen = new Set<string>()): string[] => {
    if (seen.has(file)) return [];
    seen.add(file);
    return [
      ...topLevelNames(roots.get(file)!).filter((name) => !name.startsWith('_')),
      ...directives(file, 'export').flatMap((next) => exported(next, seen)),
    ];
  };
  return new Map(
    [...roots.keys()].map((file) => [
      file,
      new Set([
        ...topLevelNames(roots.get(file)!),
        ...directives(file, 'import').flatMap((next) => exported(next)),
      ]),
    ]),
  );
}

/** A property's alternatives: `anyOf`, or `type: [t, 'null']` split in two. */
function schemaBranches(property: Record<string, unknown>): Record<string, unknown>[] {
  if (Array.isArray(property.anyOf)) return property.anyOf as Record<string, unknown>[];
  if (Array.isArray(property.type)) {
    return (property.type as string[]).map((type) => ({ ...property, type }));
  }
  return [property];
}

/** What a JSON Schema property must be in Dart, without the nullability. */
function expectedDartType(
  property: Record<string, unknown>,
  enumsByValues: Map<string, string>,
): string {
  if (Array.isArray(property.enum)) {
    const name = enumsByValues.get(JSON.stringify(property.enum));
    if (!name) throw new Error(`no Dart enum with the values ${JSON.stringify(property.enum)}`);
    return name;
  }
  switch (property.type) {
    case 'string':
      if (property.format === 'date') return 'CalendarDate';
      if (property.format === 'date-time') return 'DateTime';
      return 'String';
    case 'integer':
      return 'int';
    case 'number':
      return 'double';
    case 'boolean':
      return 'bool';
    case 'array':
      return `List<${expectedDartType(property.items as Record<string, unknown>, enumsByValues)}>`;
    default:
      throw new Error(`JSON Schema type ${JSON.stringify(property)} has no expected Dart type`);
  }
}

/** A model class as the Dart source declares it. */
interface ParsedModel {
  fields: Map<string, string>;
  /** JSON key → field, from toJson; `conditional` when written only if not null. */
  written: Map<string, { field: string; conditional: boolean }>;
  /** JSON key → field, from fromJson; `optional` when read with decodeOptionalKey. */
  read: Map<string, { field: string; optional: boolean }>;
}

function parseModels(root: SyntaxNode): Map<string, ParsedModel> {
  const models = new Map<string, ParsedModel>();
  for (const cls of nodes(root, 'class_definition')) {
    const name = cls.childForFieldName('name')!.text;
    const body = cls.childForFieldName('body')!;
    const model: ParsedModel = { fields: new Map(), written: new Map(), read: new Map() };
    const members = body.namedChildren;
    members.forEach((member, index) => {
      if (member.type === 'declaration' && member.namedChildren[0]?.type === 'final_builtin') {
        const match = /^final\s+(.+?)\s+(\w+)\s*;?$/s.exec(member.text);
        if (match) model.fields.set(match[2]!, match[1]!.replace(/\s+/g, ''));
      }
      const next = members[index + 1];
      if (member.type === 'method_signature' && next?.type === 'function_body') {
        if (/\btoJson\(\)$/.test(member.text)) {
          for (const pair of nodes(next, 'pair')) {
            model.written.set(unquote(pair.childForFieldName('key')!.text), {
              field: pair.childForFieldName('value')!.text,
              conditional: pair.parent?.type === 'if_element',
            });
          }
        }
        if (member.text.startsWith(`factory ${name}.fromJson(`)) {
          for (const argument of nodes(next, 'named_argument')) {
            const field = argument.namedChildren[0]!.text.replace(/:$/, '');
            const reader = argument.namedChildren[1]!.text;
            const key = nodes(argument, 'string_literal')[0]!.text;
            model.read.set(unquote(key), { field, optional: reader === 'decodeOptionalKey' });
          }
        }
      }
    });
    models.set(name, model);
  }
  return models;
}

describe('the Dart models and the JSON Schema', () => {
  const models = parseModels(tree('lib/src/models.dart'));
  const constants = tree('lib/src/constants.dart');
  /** Dart enums by their wire values, read from the Dart source. */
  const dartEnumValues = new Map<string, string[]>();
  for (const file of ['lib/src/constants.dart', 'lib/src/models.dart']) {
    for (const declaration of nodes(tree(file), 'enum_declaration')) {
      const constantsOf = nodes(declaration, 'enum_constant').map((constant) =>
        unquote(nodes(constant, 'string_literal')[0]!.text),
      );
      dartEnumValues.set(declaration.childForFieldName('name')!.text, constantsOf);
    }
  }
  const enumsByValues = new Map(
    [...dartEnumValues].map(([name, values]) => [JSON.stringify(values), name]),
  );

  it('has one class for every object schema, and no other', () => {
    expect([...models.keys()].sort()).toEqual([...modelNames()].sort());
    expect(modelNames()).toEqual(
      expect.arrayContaining(['ActivatePauseArgs', 'PeerMentorStatusRow', 'ActivePauseRow']),
    );
  });

  for (const name of modelNames()) {
    it(`${name}: same keys, types and nullability as ${name}.json`, () => {
      const schema = jsonSchemaFor(name as WireSchemaName) as {
        properties: Record<string, Record<string, unknown>>;
        required?: string[];
      };
      const model = models.get(name)!;
      const keys = Object.keys(schema.properties);
      expect([...model.written.keys()], 'toJson keys').toEqual(keys);
      expect([...model.read.keys()], 'fromJson keys').toEqual(keys);
      for (const key of keys) {
        const property = schema.properties[key]!;
        const branches = schemaBranches(property);
        const nonNull = branches.filter((branch) => branch.type !== 'null');
        expect(nonNull, key).toHaveLength(1);
        const required = schema.required?.includes(key) ?? false;
        const nullable = nonNull.length !== branches.length || !required;
        const { field } = model.written.get(key)!;
        const fieldName = field.replace(/[?!]?\..*$/s, '');
        expect(model.read.get(key)!.field, key).toBe(fieldName);
        expect(model.read.get(key)!.optional, `${key} may be absent`).toBe(!required);
        expect(model.written.get(key)!.conditional, `${key} left out when null`).toBe(!required);
        expect(model.fields.get(fieldName), key).toBe(
          `${expectedDartType(nonNull[0]!, enumsByValues)}${nullable ? '?' : ''}`,
        );
      }
      expect(model.fields.size, 'fields without a JSON key').toBe(keys.length);
    });
  }

  it('has every TypeScript enum as a Dart enum with the same wire values, in order', () => {
    const enums = {
      DatabaseRole: databaseRoles,
      PauseStatus: pauseStatuses,
      PauseReasonCode: pauseReasonCodes,
      MemberRole: memberRoles,
      ActorRole: actorRoles,
    };
    for (const [name, values] of Object.entries(enums)) {
      expect(dartEnumValues.get(name), name).toEqual([...values]);
    }
    // The generator's reading of the constants file agrees with the parsed Dart.
    for (const [name, values] of constantsEnums()) expect(dartEnumValues.get(name)).toEqual(values);
  });

  it('has every error code in the Dart catalogs', () => {
    const codes = (name: string) =>
      nodes(constants, 'enum_declaration')
        .filter((declaration) => declaration.childForFieldName('name')!.text === name)
        .flatMap((declaration) => nodes(declaration, 'named_argument'))
        .filter((argument) => argument.namedChildren[0]!.text === 'code:')
        .map((argument) => unquote(argument.namedChildren[1]!.text));
    expect(codes('DomainErrorCode')).toEqual(domainErrorCatalog.map((entry) => entry.code));
    expect(codes('PlatformErrorCode')).toEqual(platformErrorCatalog.map((entry) => entry.code));
  });

  it('has one exception class per domain error code, plus OtherRpcException', () => {
    const exceptions = tree('lib/src/exceptions.dart');
    const classes = new Map(
      nodes(exceptions, 'class_definition').map((cls) => [
        cls.childForFieldName('name')!.text,
        cls,
      ]),
    );
    for (const { code, className } of domainExceptionClasses()) {
      const cls = classes.get(className);
      expect(cls, `${code}: ${className}`).toBeDefined();
      const entry = domainErrorCatalog.find((candidate) => candidate.code === code)!;
      expect(cls!.text).toContain(`domainCode => DomainErrorCode.${entry.dartName};`);
    }
    expect(classes.has('OtherRpcException')).toBe(true);
    const mapping = nodes(exceptions, 'switch_expression_case').map((arm) => arm.text);
    expect(mapping).toEqual([
      ...domainErrorCatalog.map((entry) =>
        expect.stringMatching(
          new RegExp(
            `^DomainErrorCode\\.${entry.dartName} => ${domainExceptionClasses().find((c) => c.code === entry.code)!.className}\\(`,
          ),
        ),
      ),
      expect.stringMatching(/^null => OtherRpcException\(/),
    ]);
  });

  it('has a repository method for every RPC, taking its argument model and returning its result', () => {
    const repository = pubFile('lib/src/repository.dart');
    for (const rpc of rpcNames) {
      const fn = rpcFunctions[rpc];
      const args = wireNameOf(fn.args);
      const row = wireNameOf(fn.result);
      const result = fn.returns === 'set' ? `List<${row}>` : row;
      expect(repository, rpc).toMatch(
        new RegExp(
          `Future<${result}> \\w+\\(${args} args\\) async \\{\\n\\s+final data = await _call\\(RpcNames\\.\\w+, args\\.toJson\\(\\)\\);`,
        ),
      );
    }
  });
});

describe('the JSON the Dart tests read', () => {
  const ajv = new Ajv2020({ strict: true, validateFormats: false, allErrors: true });

  for (const { model, full, other } of dartTestSamples()) {
    it(`${model.name}: the samples are valid ${model.name} JSON`, () => {
      const validate = ajv.compile(jsonSchemaFor(model.name as WireSchemaName));
      expect(validate(full), JSON.stringify(validate.errors)).toBe(true);
      expect(validate(other), JSON.stringify(validate.errors)).toBe(true);
    });
  }

  it('a timestamp as Dart writes it (toUtc().toIso8601String()) is valid on the wire', () => {
    const validate = ajv.compile(jsonSchemaFor('PeerMentorStatusRow'));
    const { full } = dartTestSamples().find(
      (sample) => sample.model.name === 'PeerMentorStatusRow',
    )!;
    for (const updated_at of [
      '2026-11-26T16:15:20.500Z',
      '2026-11-26T16:15:20.768935Z',
      '2026-11-26T16:15:20.000Z',
    ]) {
      expect(validate({ ...(full as object), updated_at }), updated_at).toBe(true);
    }
  });
});
