import type { DataverseEntityMapping } from '../adapters/dataverse/entity-mapping.js';

/**
 * A column as Dataverse's metadata describes it (`AttributeType`), with what the Web API
 * enforces on a write: text up to `MaxLength`, whole numbers, ISO dates, Choice columns as
 * one of their integer option values, lookups only through `<name>@odata.bind`.
 */
export type FakeColumn =
  | { type: 'String' | 'Memo'; maxLength: number }
  | { type: 'Integer' | 'BigInt' | 'DateTime' | 'Uniqueidentifier' }
  | { type: 'Picklist'; options: readonly number[] }
  | { type: 'Lookup'; targets: readonly string[] };

/** `EntityKeyIndexStatus`: a key is usable only once its index is `Active`. */
export type FakeKeyIndexStatus = 'Pending' | 'InProgress' | 'Active' | 'Failed';

export interface FakeAlternateKey {
  logicalName: string;
  attributes: string[];
  status: FakeKeyIndexStatus;
}

/** The table that holds mentors, as the fake's environment defines it. Tests may change it. */
export interface FakeTable {
  logicalName: string;
  entitySet: string;
  columns: Record<string, FakeColumn>;
  keys: FakeAlternateKey[];
  /** `IsOptimisticConcurrencyEnabled`: true for custom tables, false for some system ones. */
  optimisticConcurrency: boolean;
}

/**
 * The table a correctly prepared environment has: every mapped column with a compatible type,
 * an Active alternate key on the peer-mentor id, optimistic concurrency on, and some columns
 * the CRM owns (names, a description, a Choice, a lookup to the account).
 */
export function preparedTable(mapping: DataverseEntityMapping): FakeTable {
  const { fields } = mapping;
  return {
    logicalName: mapping.entitySet.replace(/s$/, ''),
    entitySet: mapping.entitySet,
    columns: {
      [mapping.alternateKey]: { type: 'String', maxLength: 100 },
      [fields.organizationId]: { type: 'String', maxLength: 100 },
      [fields.status]: { type: 'String', maxLength: 20 },
      [fields.reasonCode]: { type: 'String', maxLength: 100 },
      [fields.pausedAt]: { type: 'DateTime' },
      [fields.expectedEnd]: { type: 'DateTime' },
      [fields.actorRole]: { type: 'String', maxLength: 50 },
      [fields.version]: { type: 'Integer' },
      [fields.eventId]: { type: 'String', maxLength: 100 },
      [fields.changedAt]: { type: 'DateTime' },
      firstname: { type: 'String', maxLength: 50 },
      lastname: { type: 'String', maxLength: 50 },
      description: { type: 'Memo', maxLength: 2000 },
      preferredcontactmethodcode: { type: 'Picklist', options: [1, 2, 3, 4, 5] },
      parentcustomerid: { type: 'Lookup', targets: ['accounts'] },
    },
    keys: [
      {
        logicalName: `${mapping.alternateKey}_key`,
        attributes: [mapping.alternateKey],
        status: 'Active',
      },
    ],
    optimisticConcurrency: true,
  };
}

/** A refusal in Dataverse's documented error shape. */
export interface FakeRefusal {
  status: number;
  code: string;
  message: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BIND = /^\/?([A-Za-z_][A-Za-z0-9_]*)\(([0-9a-f-]{36})\)$/i;

/** `Could not find a property named …`: Dataverse's answer to a column the table lacks. */
export function unknownProperty(table: FakeTable, name: string): FakeRefusal {
  return {
    status: 400,
    code: '0x80060888',
    message: `Could not find a property named '${name}' on type 'Microsoft.Dynamics.CRM.${table.logicalName}'.`,
  };
}

/** Checks a create/update body against the table, as the Web API does; undefined when valid. */
export function validateRecordBody(
  table: FakeTable,
  body: Record<string, unknown>,
): FakeRefusal | undefined {
  for (const [property, value] of Object.entries(body)) {
    const bind = property.endsWith('@odata.bind');
    const name = bind ? property.slice(0, -'@odata.bind'.length) : property;
    const column = table.columns[name];
    if (!column) return unknownProperty(table, name);
    if (bind) {
      const target = typeof value === 'string' ? BIND.exec(value) : null;
      if (column.type !== 'Lookup' || !target || !column.targets.includes(target[1] ?? '')) {
        return payloadError(
          table,
          `'${property}' must bind a lookup to one of ${column.type === 'Lookup' ? column.targets.join(', ') : 'no table'}, got ${JSON.stringify(value)}`,
        );
      }
      continue;
    }
    if (column.type === 'Lookup') {
      return payloadError(
        table,
        `'${name}' is a lookup: set it with '${name}@odata.bind' and a record path, not a value`,
      );
    }
    if (value === null) continue;
    const refusal = checkValue(table, name, column, value);
    if (refusal) return refusal;
  }
  return undefined;
}

function checkValue(
  table: FakeTable,
  name: string,
  column: Exclude<FakeColumn, { type: 'Lookup' }>,
  value: unknown,
): FakeRefusal | undefined {
  switch (column.type) {
    case 'String':
    case 'Memo':
      if (typeof value !== 'string') return conversionError(table, value, 'Edm.String');
      if (value.length > column.maxLength) {
        return {
          status: 400,
          code: '0x80044331',
          message: `A validation error occurred. The length of the '${name}' attribute of the '${table.logicalName}' entity exceeded the maximum allowed length of '${column.maxLength}'.`,
        };
      }
      return undefined;
    case 'Integer':
      return Number.isInteger(value) && Math.abs(value as number) <= 2_147_483_647
        ? undefined
        : conversionError(table, value, 'Edm.Int32');
    case 'BigInt':
      return Number.isInteger(value) ? undefined : conversionError(table, value, 'Edm.Int64');
    case 'DateTime':
      return typeof value === 'string' && !Number.isNaN(Date.parse(value))
        ? undefined
        : conversionError(table, value, 'Edm.DateTimeOffset');
    case 'Uniqueidentifier':
      return typeof value === 'string' && GUID.test(value)
        ? undefined
        : conversionError(table, value, 'Edm.Guid');
    case 'Picklist':
      if (!Number.isInteger(value)) return conversionError(table, value, 'Edm.Int32');
      return column.options.includes(value as number)
        ? undefined
        : {
            status: 400,
            code: '0x8004431a',
            message: `A validation error occurred. The value ${value} of '${name}' on record of type '${table.logicalName}' is outside the valid range.`,
          };
  }
}

function conversionError(table: FakeTable, value: unknown, type: string): FakeRefusal {
  return payloadError(
    table,
    `Cannot convert the literal '${typeof value === 'string' ? value : JSON.stringify(value)}' to the expected type '${type}'.`,
  );
}

function payloadError(table: FakeTable, detail: string): FakeRefusal {
  return {
    status: 400,
    code: '0x80048d19',
    message: `Error identified in Payload provided by the user for Entity :'${table.entitySet}', For more information on this error please follow this help link https://go.microsoft.com/fwlink/?linkid=2195293 ----> InnerException : ${detail}`,
  };
}

/**
 * A valid body as the record stores it: a bound lookup becomes `_<name>_value` (the id it
 * points to), as the Web API returns lookups.
 */
export function storedColumns(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(body).map(([property, value]) => {
      if (!property.endsWith('@odata.bind')) return [property, value];
      const name = property.slice(0, -'@odata.bind'.length);
      return [`_${name}_value`, BIND.exec(String(value))?.[2]];
    }),
  );
}

/** The `EntityDefinitions` answer for the table, with its attributes and keys expanded. */
export function entityDefinition(table: FakeTable): Record<string, unknown> {
  return {
    LogicalName: table.logicalName,
    EntitySetName: table.entitySet,
    IsOptimisticConcurrencyEnabled: table.optimisticConcurrency,
    Attributes: Object.entries(table.columns).map(([name, column]) => ({
      LogicalName: name,
      AttributeType: column.type,
    })),
    Keys: table.keys.map((key) => ({
      LogicalName: key.logicalName,
      KeyAttributes: [...key.attributes],
      EntityKeyIndexStatus: key.status,
    })),
  };
}

/** `…/Attributes/Microsoft.Dynamics.CRM.StringAttributeMetadata`: text columns with MaxLength. */
export function stringAttributes(table: FakeTable): Array<Record<string, unknown>> {
  return Object.entries(table.columns)
    .filter(([, column]) => column.type === 'String')
    .map(([name, column]) => ({
      LogicalName: name,
      MaxLength: (column as { maxLength: number }).maxLength,
    }));
}
