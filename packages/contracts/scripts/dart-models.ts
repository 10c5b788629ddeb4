// The Dart model classes: one immutable class per JSON object on the wire (every object schema
// in `wireSchemas`), with fromJson/toJson, equality and copyWith, in plain Dart. Types come from
// the zod schemas themselves, so a new RPC's argument and result schemas become classes when the
// package is regenerated. Support code the classes share (JSON readers, CalendarDate) is written
// once in lib/src/json.dart.
import { z } from 'zod';
import { type WireSchemaName, wireSchemas } from '../src/index.js';
import { dartIdentifier, dartString, doc, renderDart, wireEnum } from './dart.js';

/** How one zod type looks in Dart. */
export interface DartType {
  /** The Dart type, `?` included when null is a value. */
  dart: string;
  nullable: boolean;
  /** A Dart expression of type `T Function(Object?)` that reads the JSON value (json.dart). */
  decoder: string;
  /** What follows a non-null value to make its JSON value ('' when it is already JSON). */
  encodeSuffix: string;
  /** A sample JSON value (for the generated Dart tests and their JSON Schema check). */
  sample: unknown;
  /** A second, different sample (null for a nullable type). */
  otherSample: unknown;
  /** Whether equality must compare element by element. */
  isList: boolean;
}

/** One property of a model class. */
export interface DartField {
  /** The JSON key. */
  key: string;
  /** The Dart field name: the key in camel case, without the `p_` of an argument. */
  name: string;
  type: DartType;
  /** An argument with a SQL default: may be left out of the JSON. */
  optional: boolean;
  description?: string;
}

export interface DartModel {
  name: string;
  description: string;
  fields: DartField[];
  /** Argument objects reject unknown keys on the server; rows are read leniently. */
  strict: boolean;
}

const def = (schema: z.ZodType) => (schema as unknown as { _zod: { def: ZodDef } })._zod.def;
interface ZodDef {
  type: string;
  format?: string;
  innerType?: z.ZodType;
  element?: z.ZodType;
  entries?: Record<string, string>;
  checks?: { _zod: { def: { check: string; format?: string } } }[];
  in?: z.ZodType;
}

/** Enums found on model fields that the constants file does not declare, by name. */
type ExtraEnums = Map<string, readonly string[]>;

const uuidSample = (seed: string) => {
  let hash = 0x811c9dc5;
  const hex: string[] = [];
  for (let round = 0; hex.length < 32; round += 1) {
    for (const char of `${seed}:${round}`) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193);
    hex.push(...(hash >>> 0).toString(16).padStart(8, '0'));
  }
  const h = hex.join('').slice(0, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

const pascal = (name: string) => {
  const camel = dartIdentifier(name);
  return camel[0]!.toUpperCase() + camel.slice(1);
};

/**
 * The Dart type of a zod schema. `context` names the field (for samples and for the name of an
 * enum the constants file lacks). Throws, naming the field, for a type this generator cannot
 * map, so a regeneration fails loudly instead of writing a wrong model.
 */
export function dartTypeOf(schema: z.ZodType, context: string, extraEnums: ExtraEnums): DartType {
  const d = def(schema);
  switch (d.type) {
    case 'optional':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'nonoptional':
      return dartTypeOf(d.innerType!, context, extraEnums);
    case 'pipe':
      return dartTypeOf(d.in!, context, extraEnums);
    case 'nullable': {
      const inner = dartTypeOf(d.innerType!, context, extraEnums);
      if (inner.nullable) return inner;
      return {
        ...inner,
        dart: `${inner.dart}?`,
        nullable: true,
        decoder: `decodeNullable(${inner.decoder})`,
        encodeSuffix: inner.encodeSuffix ? `?${inner.encodeSuffix}` : '',
        otherSample: null,
      };
    }
    case 'string': {
      const format =
        d.format ?? d.checks?.map((check) => check._zod.def.format).find((f) => f !== undefined);
      const plain = (sample: string, other: string): DartType => ({
        dart: 'String',
        nullable: false,
        decoder: 'decodeString',
        encodeSuffix: '',
        sample,
        otherSample: other,
        isList: false,
      });
      if (format === 'guid' || format === 'uuid') {
        return plain(uuidSample(context), uuidSample(`${context}/other`));
      }
      if (format === 'date') {
        return {
          dart: 'CalendarDate',
          nullable: false,
          decoder: 'decodeCalendarDate',
          encodeSuffix: '.toJson()',
          sample: '2027-01-15',
          otherSample: '2027-02-28',
          isList: false,
        };
      }
      if (format === 'datetime') {
        return {
          dart: 'DateTime',
          nullable: false,
          decoder: 'decodeTimestamp',
          encodeSuffix: '.toUtc().toIso8601String()',
          sample: '2026-11-26T16:15:20.768935+00:00',
          otherSample: '2026-11-27T08:00:00+01:00',
          isList: false,
        };
      }
      return plain(`${context} text`, `another ${context}`);
    }
    case 'number': {
      const isInt =
        (d.format !== undefined && /int/.test(d.format)) ||
        d.checks?.some((check) => /int/.test(check._zod.def.format ?? ''));
      return isInt
        ? {
            dart: 'int',
            nullable: false,
            decoder: 'decodeInt',
            encodeSuffix: '',
            sample: 1,
            otherSample: 2,
            isList: false,
          }
        : {
            dart: 'double',
            nullable: false,
            decoder: 'decodeDouble',
            encodeSuffix: '',
            sample: 1.5,
            otherSample: 2.5,
            isList: false,
          };
    }
    case 'boolean':
      return {
        dart: 'bool',
        nullable: false,
        decoder: 'decodeBool',
        encodeSuffix: '',
        sample: true,
        otherSample: false,
        isList: false,
      };
    case 'enum': {
      const values = Object.values(d.entries ?? {});
      const name = enumNameFor(schema, values, context, extraEnums);
      return {
        dart: name,
        nullable: false,
        decoder: `decodeEnum(${name}.fromWire, ${dartString(name)})`,
        encodeSuffix: '.wireValue',
        sample: values[0],
        otherSample: values[values.length - 1],
        isList: false,
      };
    }
    case 'array': {
      const item = dartTypeOf(d.element!, `${context}[]`, extraEnums);
      const itemJson = item.encodeSuffix ? `.map((item) => item${item.encodeSuffix}).toList()` : '';
      return {
        dart: `List<${item.dart}>`,
        nullable: false,
        decoder: `decodeList(${item.decoder})`,
        encodeSuffix: itemJson,
        sample: [item.sample],
        otherSample: [],
        isList: true,
      };
    }
    case 'object': {
      const name = wireNameOf(schema);
      if (!name) {
        throw new Error(
          `${context}: a nested object must be one of wireSchemas to get a Dart class (add it there)`,
        );
      }
      const model = dartModel(name, extraEnums);
      return {
        dart: name,
        nullable: false,
        decoder: `decodeObject(${name}.fromJson)`,
        encodeSuffix: '.toJson()',
        sample: sampleJson(model),
        otherSample: sampleJson(model, true),
        isList: false,
      };
    }
    case 'void':
    case 'null':
    case 'undefined':
      // An RPC that returns nothing (PostgREST answers 204 or null).
      return {
        dart: 'void',
        nullable: true,
        decoder: 'decodeNothing',
        encodeSuffix: '',
        sample: null,
        otherSample: null,
        isList: false,
      };
    default:
      throw new Error(
        `${context}: zod type "${d.type}" has no Dart mapping in scripts/dart-models.ts`,
      );
  }
}

/**
 * The enums the constants file declares, by name, with their wire values in order: read from
 * the generated text, so an enum added there is used by the models without naming it here.
 */
export function constantsEnums(): Map<string, string[]> {
  const enums = new Map<string, string[]>();
  for (const match of renderDart().matchAll(
    /^enum (\w+) \{\n((?:(?: {2}\/\/\/.*| {2}\w+\(.*)\n)+)/gm,
  )) {
    const values = [...match[2]!.matchAll(/^ {2}\w+\('((?:[^'\\]|\\.)*)'/gm)].map(
      (value) => value[1]!,
    );
    if (values.length > 0) enums.set(match[1]!, values);
  }
  return enums;
}

/** The constants file's enum with these values, or a model-file enum named for the schema. */
function enumNameFor(
  schema: z.ZodType,
  values: readonly string[],
  context: string,
  extraEnums: ExtraEnums,
): string {
  const same = (other: readonly string[]) =>
    other.length === values.length && other.every((value, index) => value === values[index]);
  for (const [name, other] of constantsEnums()) if (same(other)) return name;
  for (const [name, other] of extraEnums) if (same(other)) return name;
  const title = z.globalRegistry.get(schema)?.title;
  const name =
    typeof title === 'string' && /^[A-Z][A-Za-z0-9]*$/.test(title)
      ? title
      : context
          .split('.')
          .map((part, index) =>
            index === 0 ? part : pascal(part.replace(/^p_/, '').replace(/(\[\])+$/, '')),
          )
          .join('');
  extraEnums.set(name, values);
  return name;
}

export function wireNameOf(schema: z.ZodType): WireSchemaName | undefined {
  return (Object.keys(wireSchemas) as WireSchemaName[]).find(
    (name) => wireSchemas[name] === schema,
  );
}

/** The wire schemas that are JSON objects, in `wireSchemas` order: each becomes a class. */
export function modelNames(): WireSchemaName[] {
  return (Object.keys(wireSchemas) as WireSchemaName[]).filter(
    (name) => def(wireSchemas[name]).type === 'object',
  );
}

/** The class for one object schema. */
export function dartModel(name: WireSchemaName, extraEnums: ExtraEnums = new Map()): DartModel {
  const schema = wireSchemas[name] as unknown as z.ZodObject;
  const shape = schema.shape as Record<string, z.ZodType>;
  const catchall = (schema._zod.def as { catchall?: z.ZodType }).catchall;
  return {
    name,
    description: schema.description ?? name,
    strict: catchall !== undefined && def(catchall).type === 'never',
    fields: Object.entries(shape).map(([key, property]) => ({
      key,
      name: dartIdentifier(key.replace(/^p_/, '')),
      type: dartTypeOf(property, `${name}.${key}`, extraEnums),
      optional: (property as unknown as { _zod: { optin?: string } })._zod.optin === 'optional',
      description: property.description,
    })),
  };
}

/** A JSON object every key of which is set (`other`: a different value for each). */
export function sampleJson(model: DartModel, other = false): Record<string, unknown> {
  return Object.fromEntries(
    model.fields.map((field) => [
      field.key,
      other && field.type.otherSample !== null ? field.type.otherSample : field.type.sample,
    ]),
  );
}

/** The Dart type of a field as the class declares it: optional arguments may be null. */
export function fieldDartType(field: DartField): string {
  return field.optional && !field.type.nullable ? `${field.type.dart}?` : field.type.dart;
}
const fieldIsNullable = (field: DartField) => field.optional || field.type.nullable;

/** One model class. */
function renderModel(model: DartModel): string[] {
  const { name, fields } = model;
  const lines: string[] = [...doc(model.description), `final class ${name} {`];
  // Constructor: required for values that cannot be null.
  if (fields.length === 0) {
    lines.push(`  const ${name}();`);
  } else {
    lines.push(`  const ${name}({`);
    for (const field of fields) {
      lines.push(`    ${fieldIsNullable(field) ? '' : 'required '}this.${field.name},`);
    }
    lines.push('  });');
  }
  lines.push('');
  // fromJson
  lines.push(
    ...doc(
      `Reads ${name} from its JSON object. ${
        model.strict
          ? 'Keys of arguments the database would default may be absent.'
          : 'Keys this version does not know are ignored, so a column added later does not break it.'
      } Throws a [FormatException] naming the key when a value is missing or has the wrong type.`,
      '  ',
    ),
  );
  if (fields.length === 0) {
    lines.push(`  factory ${name}.fromJson(Map<String, dynamic> json) => const ${name}();`);
  } else {
    lines.push(`  factory ${name}.fromJson(Map<String, dynamic> json) {`, `    return ${name}(`);
    for (const field of fields) {
      const reader = field.optional ? 'decodeOptionalKey' : 'decodeKey';
      lines.push(
        `      ${field.name}: ${reader}<${field.type.dart}>(json, ${dartString(field.key)}, ${field.type.decoder}),`,
      );
    }
    lines.push('    );', '  }');
  }
  // Fields
  for (const field of fields) {
    lines.push('');
    const nullNote = field.optional
      ? ' Left out of the JSON when null, so the database applies its default.'
      : '';
    lines.push(
      ...doc(
        `\`${field.key}\` on the wire.${field.description ? ` ${field.description}` : ''}${nullNote}`,
        '  ',
      ),
      `  final ${fieldDartType(field)} ${field.name};`,
    );
  }
  // toJson
  lines.push('', '  /// The JSON object PostgREST takes or sends, with snake_case keys.');
  if (fields.length === 0) {
    lines.push('  Map<String, dynamic> toJson() => <String, dynamic>{};');
  } else {
    lines.push('  Map<String, dynamic> toJson() => <String, dynamic>{');
    for (const field of fields) {
      const value = field.type.nullable
        ? `${field.name}${field.type.encodeSuffix}`
        : `${field.name}${field.optional && field.type.encodeSuffix ? '!' : ''}${field.type.encodeSuffix}`;
      lines.push(
        field.optional
          ? `        if (${field.name} != null) ${dartString(field.key)}: ${value},`
          : `        ${dartString(field.key)}: ${value},`,
      );
    }
    lines.push('      };');
  }
  // copyWith
  lines.push('', `  /// A copy with the given fields replaced; pass null to clear a nullable one.`);
  if (fields.length === 0) {
    lines.push(`  ${name} copyWith() => const ${name}();`);
  } else {
    lines.push(`  ${name} copyWith({`);
    for (const field of fields) {
      lines.push(
        fieldIsNullable(field)
          ? `    Object? ${field.name} = unset,`
          : `    ${field.type.dart}? ${field.name},`,
      );
    }
    lines.push('  }) {', `    return ${name}(`);
    for (const field of fields) {
      lines.push(
        fieldIsNullable(field)
          ? `      ${field.name}: identical(${field.name}, unset) ? this.${field.name} : ${field.name} as ${fieldDartType(field)},`
          : `      ${field.name}: ${field.name} ?? this.${field.name},`,
      );
    }
    lines.push('    );', '  }');
  }
  // Equality
  lines.push('', '  @override', '  bool operator ==(Object other) =>');
  if (fields.length === 0) {
    lines.push(`      other is ${name};`);
  } else {
    const comparisons = fields.map((field) =>
      field.type.isList
        ? `jsonValueEquals(other.${field.name}, ${field.name})`
        : `other.${field.name} == ${field.name}`,
    );
    lines.push(
      `      identical(this, other) ||`,
      `      other is ${name} &&`,
      ...comparisons.map(
        (comparison, index) =>
          `          ${comparison}${index === comparisons.length - 1 ? ';' : ' &&'}`,
      ),
    );
  }
  lines.push(
    '',
    '  @override',
    `  int get hashCode => Object.hashAll(<Object?>[${[
      dartString(name),
      ...fields.map((field) => (field.type.isList ? `jsonValueHash(${field.name})` : field.name)),
    ].join(', ')}]);`,
    '',
    '  @override',
    `  String toString() => ${dartString(`${name}(`).slice(0, -1)}${fields
      .map((field) => `${field.name}: $${field.name}`)
      .join(', ')})';`,
    '}',
  );
  return lines;
}

/** lib/src/models.dart: every model class, and any enum only the models use. */
export function renderModels(): string {
  const extraEnums: ExtraEnums = new Map();
  const models = modelNames().map((name) => dartModel(name, extraEnums));
  const lines = [
    '// GENERATED by @peer-mentor/contracts (scripts/dart-models.ts) from its zod schemas.',
    '// Do not edit by hand: run `pnpm --filter @peer-mentor/contracts generate`.',
    '',
    "import 'calendar_date.dart';",
    "import 'constants.dart';",
    "import 'json.dart';",
    ...[...extraEnums].flatMap(([name, values]) => [
      '',
      ...wireEnum(name, `Values of ${name} on the wire.`, values),
    ]),
    ...models.flatMap((model) => ['', ...renderModel(model)]),
  ];
  return `${lines.join('\n')}\n`;
}
