import { ActorRole, PauseReasonCode } from '@peer-mentor/contracts';
import type { DataverseEntityMapping } from './entity-mapping.js';

/**
 * What the environment must offer the mapping, checked from Dataverse's table definitions
 * (`EntityDefinitions` with `Attributes` and `Keys`, and `StringAttributeMetadata.MaxLength`):
 * every mapped column exists with a type that takes what the adapter writes, the alternate key
 * on the peer-mentor id exists and its index is Active, and the table has optimistic
 * concurrency (the adapter's `If-Match: <ETag>` writes rely on it).
 */

/** `EntityDefinitions?$filter=EntitySetName eq '…'&$select=…&$expand=Attributes(…),Keys(…)`. */
export function entityDefinitionPath(mapping: DataverseEntityMapping): string {
  return [
    `EntityDefinitions?$filter=EntitySetName%20eq%20'${mapping.entitySet}'`,
    '$select=LogicalName,EntitySetName,IsOptimisticConcurrencyEnabled',
    '$expand=Attributes($select=LogicalName,AttributeType),Keys($select=LogicalName,KeyAttributes,EntityKeyIndexStatus)',
  ].join('&');
}

/** The text columns' MaxLength (a property of StringAttributeMetadata only). */
export function stringAttributesPath(logicalName: string): string {
  return `EntityDefinitions(LogicalName='${logicalName}')/Attributes/Microsoft.Dynamics.CRM.StringAttributeMetadata?$select=LogicalName,MaxLength`;
}

export interface EntityDefinition {
  LogicalName: string;
  IsOptimisticConcurrencyEnabled?: boolean;
  Attributes?: Array<{ LogicalName: string; AttributeType: string }>;
  Keys?: Array<{ LogicalName: string; KeyAttributes: string[]; EntityKeyIndexStatus: string }>;
}

type Need =
  | { kind: 'text'; longest: number; alsoAccepts?: string[] }
  | { kind: 'whole number' }
  | { kind: 'date'; longest: number };

const longest = (values: readonly string[]) => Math.max(...values.map((value) => value.length));
const UUID = 36;
const ISO_TIMESTAMP = '2026-11-26T09:00:00.000Z'.length;

/** What each mapped column must hold. */
function needs(mapping: DataverseEntityMapping): Array<[string, string, Need]> {
  const { fields } = mapping;
  return [
    ['alternate key', mapping.alternateKey, { kind: 'text', longest: UUID }],
    [
      'organization',
      fields.organizationId,
      { kind: 'text', longest: UUID, alsoAccepts: ['Uniqueidentifier'] },
    ],
    ['status', fields.status, { kind: 'text', longest: longest(['active', 'paused']) }],
    ['reason', fields.reasonCode, { kind: 'text', longest: longest(PauseReasonCode.options) }],
    ['paused at', fields.pausedAt, { kind: 'date', longest: ISO_TIMESTAMP }],
    ['expected end', fields.expectedEnd, { kind: 'date', longest: '2026-12-24'.length }],
    ['actor role', fields.actorRole, { kind: 'text', longest: longest(ActorRole.options) }],
    ['version', fields.version, { kind: 'whole number' }],
    [
      'event id',
      fields.eventId,
      { kind: 'text', longest: UUID, alsoAccepts: ['Uniqueidentifier'] },
    ],
    ['changed at', fields.changedAt, { kind: 'date', longest: ISO_TIMESTAMP }],
  ];
}

/** Every way the environment falls short of the mapping, one line each; empty when it fits. */
export function environmentProblems(
  mapping: DataverseEntityMapping,
  definition: EntityDefinition | undefined,
  maxLengths: ReadonlyMap<string, number>,
): string[] {
  if (!definition) return [`no table has the entity set name '${mapping.entitySet}'`];
  const table = definition.LogicalName;
  const problems: string[] = [];
  const types = new Map(
    (definition.Attributes ?? []).map((attribute) => [
      attribute.LogicalName,
      attribute.AttributeType,
    ]),
  );
  for (const [role, column, need] of needs(mapping)) {
    const type = types.get(column);
    if (type === undefined) {
      problems.push(`column ${table}.${column} (${role}) does not exist`);
      continue;
    }
    const problem = typeProblem(need, type, maxLengths.get(column));
    if (problem) problems.push(`column ${table}.${column} (${role}) ${problem}`);
  }
  const key = (definition.Keys ?? []).find(
    (candidate) =>
      candidate.KeyAttributes.length === 1 && candidate.KeyAttributes[0] === mapping.alternateKey,
  );
  if (!key) {
    problems.push(`no alternate key of ${table} consists of ${mapping.alternateKey} alone`);
  } else if (key.EntityKeyIndexStatus !== 'Active') {
    problems.push(
      `alternate key ${key.LogicalName} is ${key.EntityKeyIndexStatus}, not Active (its index is not usable yet)`,
    );
  }
  if (definition.IsOptimisticConcurrencyEnabled !== true) {
    problems.push(`table ${table} does not have optimistic concurrency enabled (If-Match: <ETag>)`);
  }
  return problems;
}

function typeProblem(need: Need, type: string, maxLength: number | undefined): string | undefined {
  if (need.kind === 'whole number') {
    return type === 'Integer' || type === 'BigInt'
      ? undefined
      : `is ${type}, expected a whole number (Integer or BigInt)`;
  }
  if (need.kind === 'date' && type === 'DateTime') return undefined;
  if (need.kind === 'text' && need.alsoAccepts?.includes(type)) return undefined;
  if (type === 'Memo') return undefined;
  if (type !== 'String') {
    return `is ${type}, expected ${need.kind === 'date' ? 'DateTime or text' : 'text (String)'}`;
  }
  if (maxLength !== undefined && maxLength < need.longest) {
    return `holds at most ${maxLength} characters, needs ${need.longest}`;
  }
  return undefined;
}
