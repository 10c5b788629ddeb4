import { describe, expect, it } from 'vitest';
import { compareWithGolden, renderArtifacts, renderCheckedIn } from '../scripts/artifacts.js';
import { DART_FILE_NAME, dartIdentifier, dartString, renderDart } from '../scripts/dart.js';
import { actorRoles, memberRoles, pauseReasonCodes, pauseStatuses } from './enums.js';
import { domainErrorCatalog, platformErrorCatalog } from './errors.js';
import { rpcNames, wireSchemas } from './rpc.js';

describe('generated files', () => {
  it('equal the committed copies in golden/ and dart/ (after an intended change: pnpm generate)', () => {
    expect(compareWithGolden()).toEqual([]);
  });

  it('give the npm package one JSON Schema per wire schema, an index and the Dart file', () => {
    expect([...renderArtifacts().keys()].sort()).toEqual(
      [
        ...Object.keys(wireSchemas).map((name) => `json-schema/${name}.json`),
        'json-schema/index.json',
        `dart/${DART_FILE_NAME}`,
      ].sort(),
    );
  });

  it('give the npm package the same Dart constants as the pub package', () => {
    // Only the header differs: it names the script that writes each copy.
    const body = (dart: string | undefined) => dart?.split('\n').slice(3).join('\n');
    const npm = renderArtifacts().get(`dart/${DART_FILE_NAME}`);
    expect(npm).toBe(renderCheckedIn().get(`golden/dart/${DART_FILE_NAME}`));
    expect(body(npm)).toBe(body(renderCheckedIn().get('dart/lib/src/constants.dart')));
    expect(npm).toContain('contracts build`');
  });

  it('are generated the same way twice', () => {
    expect(renderArtifacts()).toEqual(renderArtifacts());
  });
});

describe('the Dart file', () => {
  const dart = renderDart();
  /** The body of `enum Name { ... }` or `abstract final class Name { ... }`. */
  const block = (kind: 'enum' | 'abstract final class', name: string) => {
    const start = dart.indexOf(`${kind} ${name} {`);
    expect(start, `${kind} ${name}`).toBeGreaterThanOrEqual(0);
    return dart.slice(start, dart.indexOf('\n}\n', start));
  };

  it('has every enum value with its wire value', () => {
    const enums = {
      PauseStatus: pauseStatuses,
      PauseReasonCode: pauseReasonCodes,
      MemberRole: memberRoles,
      ActorRole: actorRoles,
    };
    for (const [name, values] of Object.entries(enums)) {
      const body = block('enum', name);
      for (const value of values) {
        expect(body, `${name}.${value}`).toContain(`  ${dartIdentifier(value)}('${value}'`);
      }
      expect(body).toContain(`static ${name}? fromWire(String? value)`);
    }
  });

  it('has every error code with its name, status, retryability and a lookup from code', () => {
    for (const [name, catalog] of [
      ['DomainErrorCode', domainErrorCatalog],
      ['PlatformErrorCode', platformErrorCatalog],
    ] as const) {
      const body = block('enum', name);
      for (const entry of catalog) {
        expect(body).toContain(
          [
            `  ${entry.dartName}(`,
            `    code: '${entry.code}',`,
            `    wireName: '${entry.name}',`,
          ].join('\n'),
        );
      }
      const members = body.match(/^ {2}[a-z][A-Za-z]*\($/gm) ?? [];
      expect(members).toHaveLength(catalog.length);
      expect(body).toContain(`static ${name}? fromCode(String? code)`);
    }
    expect(block('enum', 'PlatformErrorCode')).toContain(
      "code: '42501',\n    wireName: 'insufficient_privilege',\n    httpStatus: 403,\n    anonymousHttpStatus: 401,",
    );
  });

  it('has the claim keys and the RPC names', () => {
    expect(block('abstract final class', 'JwtClaimKeys')).toContain(
      "static const String organizationId = 'app_metadata.organization_id';",
    );
    const rpc = block('abstract final class', 'RpcNames');
    for (const name of rpcNames) expect(rpc).toContain(`= '${name}';`);
  });

  it('closes every bracket it opens, outside strings and comments', () => {
    const stack: string[] = [];
    const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
    for (const line of dart.split('\n')) {
      if (line.trimStart().startsWith('//')) continue;
      const code = line.replace(/'(?:[^'\\]|\\.)*'/g, "''");
      for (const char of code) {
        if ('([{'.includes(char)) stack.push(char);
        else if (char in pairs) expect(stack.pop(), line).toBe(pairs[char]);
      }
    }
    expect(stack).toEqual([]);
  });
});

describe('Dart text helpers', () => {
  it('escape what a single-quoted Dart string would otherwise interpret', () => {
    expect(dartString("it's $5 \\ done\n")).toBe("'it\\'s \\$5 \\\\ done\\n'");
  });

  it('turn wire names into camel case and refuse names Dart reserves', () => {
    expect(dartIdentifier('service_role')).toBe('serviceRole');
    expect(dartIdentifier('p_peer_mentor_id')).toBe('pPeerMentorId');
    expect(() => dartIdentifier('default')).toThrow(/usable Dart identifier/);
    expect(() => dartIdentifier('values')).toThrow(/usable Dart identifier/);
    expect(() => dartIdentifier('2fa')).toThrow(/usable Dart identifier/);
  });
});
