// The Dart file for the mobile team, generated from the same source as the TypeScript:
// claim keys, enums with their wire values, RPC names, JSON keys, the error catalog.
// Needs Dart 3.0 (enhanced enums, `abstract final class`).
import { z } from 'zod';
import {
  ActorRole,
  actorRoles,
  DEFAULT_TIME_ZONE,
  databaseRoles,
  domainErrorCatalog,
  EXPIRY_CLAIM,
  MemberRole,
  MembershipChange,
  memberRoles,
  membershipChanges,
  NOTE_MAX_LENGTH,
  ORGANIZATION_ID_CLAIM,
  ORGANIZATION_ROLE_CLAIM,
  PauseReasonCode,
  PauseStatus,
  pauseLockingActorRoles,
  pauseReasonCodes,
  pauseStatuses,
  platformErrorCatalog,
  ROLE_CLAIM,
  reasonCodeUsableBy,
  retryablePostgrestCodes,
  retryableSqlStateClasses,
  rpcFunctions,
  rpcNames,
  SUBJECT_CLAIM,
  type WireSchemaName,
  wireSchemas,
} from '../src/index.js';

export const DART_FILE_NAME = 'peer_mentor_contracts.dart';

// Words Dart reserves, and members every enum already has.
const unusableNames = new Set(
  'assert break case catch class const continue default do else enum extends false final finally for if in is new null rethrow return super switch this throw true try var void while with values index name hashCode runtimeType toString noSuchMethod'.split(
    ' ',
  ),
);

/** `service_role` → `serviceRole`; refuses a name Dart cannot take. */
export function dartIdentifier(wireName: string): string {
  const identifier = wireName.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
  if (!/^[a-z][A-Za-z0-9]*$/.test(identifier) || unusableNames.has(identifier)) {
    throw new Error(`${JSON.stringify(wireName)} does not make a usable Dart identifier`);
  }
  return identifier;
}

/** A single-quoted Dart string literal. */
export function dartString(value: string): string {
  const escaped = value
    .replaceAll('\\', '\\\\')
    .replaceAll("'", "\\'")
    .replaceAll('$', '\\$')
    .replaceAll('\n', '\\n')
    .replaceAll('\r', '\\r')
    .replaceAll('\t', '\\t');
  return `'${escaped}'`;
}

const dartStringList = (values: readonly string[]) => `[${values.map(dartString).join(', ')}]`;

/** A `///` doc comment, wrapped to stay within 100 columns at the given indent. */
export function doc(text: string, indent = ''): string[] {
  const width = 100 - indent.length - 4;
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(' ')) {
      if (line && line.length + 1 + word.length > width) {
        lines.push(line);
        line = word;
      } else {
        line = line ? `${line} ${word}` : word;
      }
    }
    lines.push(line);
  }
  return lines.map((line) => (line ? `${indent}/// ${line}` : `${indent}///`));
}

export interface EnumField {
  name: string;
  type: string;
  doc: string;
  /** The Dart expression for one value. */
  valueFor(wireValue: string): string;
}

/** An enhanced enum over wire values, with `wireValue` and a `fromWire` lookup. */
export function wireEnum(
  name: string,
  description: string,
  values: readonly string[],
  extraFields: EnumField[] = [],
): string[] {
  const members = values.map((value, position) => {
    const extra = extraFields.map((field) => `${field.name}: ${field.valueFor(value)}`);
    const separator = position === values.length - 1 ? ';' : ',';
    return `  ${dartIdentifier(value)}(${[dartString(value), ...extra].join(', ')})${separator}`;
  });
  const named = extraFields.map((field) => `required this.${field.name}`);
  return [
    ...doc(description),
    `enum ${name} {`,
    ...members,
    '',
    `  const ${name}(this.wireValue${named.length ? `, {${named.join(', ')}}` : ''});`,
    '',
    '  /// The value as it appears in JSON and in SQL.',
    '  final String wireValue;',
    ...extraFields.flatMap((field) => [
      '',
      ...doc(field.doc, '  '),
      `  final ${field.type} ${field.name};`,
    ]),
    '',
    '  /// The value whose [wireValue] this is, or null for one this version does not know.',
    `  static ${name}? fromWire(String? value) {`,
    '    for (final candidate in values) {',
    '      if (candidate.wireValue == value) return candidate;',
    '    }',
    '    return null;',
    '  }',
    '}',
  ];
}

interface CatalogEntry {
  code: string;
  name: string;
  dartName: string;
  httpStatus: number;
  retryable: boolean;
  when: string;
  message?: string;
}

/** An error-code enum with a `fromCode` lookup, from one of the TypeScript catalogs. */
function errorEnum(name: string, description: string, entries: readonly CatalogEntry[]): string[] {
  const hasMessage = entries.every((entry) => entry.message !== undefined);
  const members = entries.flatMap((entry, position) => {
    if (entry.dartName !== dartIdentifier(entry.name)) {
      throw new Error(
        `${entry.code}: dartName ${entry.dartName} is not the camel case of ${entry.name}`,
      );
    }
    const anonymous =
      'anonymousHttpStatus' in entry ? (entry.anonymousHttpStatus as number) : entry.httpStatus;
    return [
      ...doc(entry.when, '  '),
      `  ${entry.dartName}(`,
      `    code: ${dartString(entry.code)},`,
      `    wireName: ${dartString(entry.name)},`,
      ...(hasMessage ? [`    defaultMessage: ${dartString(entry.message ?? '')},`] : []),
      `    httpStatus: ${entry.httpStatus},`,
      ...(anonymous !== entry.httpStatus ? [`    anonymousHttpStatus: ${anonymous},`] : []),
      `    retryable: ${entry.retryable},`,
      `  )${position === entries.length - 1 ? ';' : ','}`,
    ];
  });
  return [
    ...doc(description),
    `enum ${name} {`,
    ...members,
    '',
    `  const ${name}({`,
    '    required this.code,',
    '    required this.wireName,',
    ...(hasMessage ? ['    required this.defaultMessage,'] : []),
    '    required this.httpStatus,',
    '    int? anonymousHttpStatus,',
    '    required this.retryable,',
    '  }) : anonymousHttpStatus = anonymousHttpStatus ?? httpStatus;',
    '',
    '  /// The `code` of the error body (`PostgrestException.code`).',
    '  final String code;',
    '',
    '  /// The catalog name, as the TypeScript error carries it.',
    '  final String wireName;',
    ...(hasMessage
      ? [
          '',
          '  /// The message the database sends with this code.',
          '  final String defaultMessage;',
        ]
      : []),
    '',
    '  /// The HTTP status PostgREST answers with.',
    '  final int httpStatus;',
    '',
    '  /// The HTTP status when the caller is not signed in.',
    '  final int anonymousHttpStatus;',
    '',
    '  /// Whether repeating the same request unchanged can succeed.',
    '  final bool retryable;',
    '',
    '  /// The entry for an error body’s code, or null when the code is not in this catalog.',
    `  static ${name}? fromCode(String? code) {`,
    '    for (final candidate in values) {',
    '      if (candidate.code == code) return candidate;',
    '    }',
    '    return null;',
    '  }',
    '}',
  ];
}

/** A class of string constants. */
function constants(
  name: string,
  description: string,
  entries: readonly { name: string; value: string; doc?: string }[],
  withAll = false,
): string[] {
  return [
    ...doc(description),
    `abstract final class ${name} {`,
    ...entries.flatMap((entry, position) => [
      ...(position > 0 && entry.doc ? [''] : []),
      ...(entry.doc ? doc(entry.doc, '  ') : []),
      `  static const String ${entry.name} = ${dartString(entry.value)};`,
    ]),
    ...(withAll
      ? [
          '',
          '  /// Every value above.',
          `  static const List<String> all = [${entries.map((entry) => entry.name).join(', ')}];`,
        ]
      : []),
    '}',
  ];
}

/** JSON keys of each object on the wire: argument names without their `p_` prefix. */
function wireKeys(): string[] {
  const sections: string[][] = [];
  for (const name of Object.keys(wireSchemas) as WireSchemaName[]) {
    const schema: z.ZodType = wireSchemas[name];
    if (!(schema instanceof z.ZodObject)) continue;
    const keys = Object.keys(schema.shape).map((key) => ({
      name: dartIdentifier(key.replace(/^p_/, '')),
      value: key,
    }));
    sections.push(
      constants(
        `${name}Keys`,
        `JSON keys of ${name}, in wire order. ${schema.description ?? ''}`.trim(),
        keys,
        true,
      ),
    );
  }
  return sections.flatMap((section) => ['', ...section]);
}

const actorRoleList = (roles: readonly string[]) =>
  `[${roles.map((role) => `ActorRole.${dartIdentifier(role)}`).join(', ')}]`;

/**
 * The whole Dart file. `command` is the script its header names: `build` for the npm package's
 * copy (dist/dart), `generate` for the pub package's lib/src/constants.dart.
 */
export function renderDart(command: 'build' | 'generate' = 'build'): string {
  const lines: string[] = [
    '// GENERATED by @peer-mentor/contracts (scripts/dart.ts) from packages/contracts/src.',
    '// Do not edit by hand: change the TypeScript source and run',
    `// \`pnpm --filter @peer-mentor/contracts ${command}\`. Requires Dart 3.0 or later.`,
    '//',
    '// Usage with supabase_flutter:',
    '//',
    '//   try {',
    '//     final row = await supabase.rpc(RpcNames.activatePause, params: {',
    '//       ActivatePauseArgsKeys.peerMentorId: mentorId,',
    '//       ActivatePauseArgsKeys.organizationId: organizationId,',
    '//       ActivatePauseArgsKeys.reasonCode: PauseReasonCode.health.wireValue,',
    '//     });',
    '//   } on PostgrestException catch (error) {',
    '//     switch (DomainErrorCode.fromCode(error.code)) {',
    '//       case DomainErrorCode.alreadyPaused:',
    '//         // show "already paused"',
    '//       case null:',
    '//         // not one of ours: see PlatformErrorCode.fromCode(error.code)',
    '//       default:',
    '//         // another domain error',
    '//     }',
    '//   }',
    '',
    ...constants(
      'JwtClaimKeys',
      'Where the caller’s identity lives in a Supabase access token. The organization is read from app_metadata, which only the service role can write; user_metadata can be rewritten by the user and is never read.',
      [
        {
          name: 'organizationId',
          value: ORGANIZATION_ID_CLAIM.key,
          doc: 'The organization claim, dotted: an object key, then a property.',
        },
        { name: 'organizationIdContainer', value: ORGANIZATION_ID_CLAIM.container },
        { name: 'organizationIdProperty', value: ORGANIZATION_ID_CLAIM.property },
        {
          name: 'organizationRole',
          value: ORGANIZATION_ROLE_CLAIM.key,
          doc: 'The role in the claimed organization, set by the access token hook. For display only: authority stays in organization_members.',
        },
        { name: 'organizationRoleProperty', value: ORGANIZATION_ROLE_CLAIM.property },
        { name: 'subject', value: SUBJECT_CLAIM, doc: 'The user id (`auth.uid()`).' },
        { name: 'role', value: ROLE_CLAIM, doc: 'The database role the request runs as.' },
        { name: 'expiry', value: EXPIRY_CLAIM, doc: 'Expiry, in seconds since the epoch.' },
      ],
    ),
    '',
    '/// Limits the database enforces on arguments.',
    'abstract final class PauseRules {',
    '  /// Longest accepted note, in characters (Unicode code points, `note.runes.length`).',
    `  static const int noteMaxLength = ${NOTE_MAX_LENGTH};`,
    '',
    '  /// The time zone in which an expected end must not be in the past, unless the',
    '  /// organization sets another one (`organizations.time_zone`).',
    `  static const String defaultTimeZone = ${dartString(DEFAULT_TIME_ZONE)};`,
    '}',
    '',
    ...wireEnum('DatabaseRole', 'Database roles a Supabase token can name.', databaseRoles),
    '',
    ...wireEnum('PauseStatus', PauseStatus.description ?? '', pauseStatuses),
    '',
    ...wireEnum('PauseReasonCode', PauseReasonCode.description ?? '', pauseReasonCodes, [
      {
        name: 'usableBy',
        type: 'List<ActorRole>',
        doc: 'The actors allowed to start a pause with this reason code.',
        valueFor: (value) =>
          actorRoleList(reasonCodeUsableBy[value as keyof typeof reasonCodeUsableBy]),
      },
    ]),
    '',
    ...wireEnum('MemberRole', MemberRole.description ?? '', memberRoles),
    '',
    ...wireEnum('MembershipChange', MembershipChange.description ?? '', membershipChanges),
    '',
    ...wireEnum('ActorRole', ActorRole.description ?? '', actorRoles, [
      {
        name: 'locksPause',
        type: 'bool',
        doc: 'Whether a pause this actor began can be ended only by a coordinator or an org admin.',
        valueFor: (value) => String((pauseLockingActorRoles as readonly string[]).includes(value)),
      },
    ]),
    '',
    ...constants(
      'RpcNames',
      'The database functions a client calls with `supabase.rpc(name, params: ...)`.',
      rpcNames.map((rpc) => ({
        name: dartIdentifier(rpc),
        value: rpc,
        doc: `${rpcFunctions[rpc].description} Domain errors: ${rpcFunctions[rpc].errors.join(', ')}.`,
      })),
      true,
    ),
    ...wireKeys(),
    '',
    ...errorEnum(
      'DomainErrorCode',
      'Our domain errors: the `code` of a PostgREST error body (`PostgrestException.code`) is a SQLSTATE of class PM. Switch on `DomainErrorCode.fromCode(error.code)`.',
      domainErrorCatalog,
    ),
    '',
    ...errorEnum(
      'PlatformErrorCode',
      'Errors that are not ours but that clients of these RPCs meet: PostgreSQL SQLSTATEs and PostgREST codes.',
      platformErrorCatalog,
    ),
    '',
    '/// Whether repeating a failed request unchanged can succeed.',
    'abstract final class RetryableErrors {',
    '  /// SQLSTATE classes: transaction rollback, connection exception, insufficient resources.',
    `  static const List<String> sqlStateClasses = ${dartStringList(retryableSqlStateClasses)};`,
    '',
    '  /// PostgREST codes for a database it could not reach.',
    `  static const List<String> postgrestCodes = ${dartStringList(retryablePostgrestCodes)};`,
    '',
    '  /// The catalogs’ answer for a known code, else by SQLSTATE class or PostgREST code.',
    '  static bool isRetryable(String? code) {',
    '    if (code == null) return false;',
    '    final domain = DomainErrorCode.fromCode(code);',
    '    if (domain != null) return domain.retryable;',
    '    final platform = PlatformErrorCode.fromCode(code);',
    '    if (platform != null) return platform.retryable;',
    '    return sqlStateClasses.any((prefix) => code.startsWith(prefix)) ||',
    '        postgrestCodes.contains(code);',
    '  }',
    '}',
  ];
  return `${lines.join('\n')}\n`;
}
