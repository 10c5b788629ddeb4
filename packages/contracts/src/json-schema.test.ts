import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { jsonSchemaFor, jsonSchemaIndex } from '../scripts/json-schema.js';
import { NOTE_MAX_LENGTH } from './enums.js';
import { rpcFunctions, type WireSchemaName, wireSchemas } from './rpc.js';

// The JSON Schema files are what the Dart team (and any other client) validates with; they must
// accept and reject exactly what the zod schemas do. Formats are left to the patterns zod
// writes next to them, so a validator without format support still checks them.
const ajv = new Ajv2020({ strict: true, validateFormats: false, allErrors: true });
const validators = Object.fromEntries(
  (Object.keys(wireSchemas) as WireSchemaName[]).map((name) => [
    name,
    ajv.compile(jsonSchemaFor(name)),
  ]),
) as Record<WireSchemaName, ReturnType<typeof ajv.compile>>;

const mentorId = '0d9e6a1c-3b2f-4e8a-9c7d-5f1e2a3b4c5d';
const orgId = '3b0b2f0e-6a55-4c1e-9a43-0f4c3c2b1a00';
const md5Id = 'c4ca4238-a0b9-a382-0dcc-509a6f75849b';
const args = { p_peer_mentor_id: mentorId, p_organization_id: orgId, p_reason_code: 'health' };
const row = {
  peer_mentor_id: mentorId,
  organization_id: orgId,
  status: 'paused',
  reason_code: 'health',
  note: null,
  paused_at: '2026-11-26T16:15:20.768935+00:00',
  paused_by: md5Id,
  paused_by_role: 'coordinator',
  expected_end: null,
  version: 1,
  updated_at: '2026-11-26T16:15:20.768935+00:00',
};
const activePause = {
  peer_mentor_id: mentorId,
  display_name: 'Anna Berg',
  reason_code: 'certification_expired',
  note: null,
  paused_at: '2026-11-26T02:00:00+00:00',
  paused_by: null,
  paused_by_role: 'system',
  expected_end: null,
};

const samples: [WireSchemaName, string, unknown, boolean][] = [
  ['ActivatePauseArgs', 'required arguments only', args, true],
  [
    'ActivatePauseArgs',
    'all arguments',
    { ...args, p_note: 'x', p_expected_end: '2027-02-28' },
    true,
  ],
  ['ActivatePauseArgs', 'null defaults', { ...args, p_note: null, p_expected_end: null }, true],
  ['ActivatePauseArgs', 'uuid PostgreSQL accepts', { ...args, p_peer_mentor_id: md5Id }, true],
  [
    'ActivatePauseArgs',
    'longest note in emoji',
    { ...args, p_note: '😀'.repeat(NOTE_MAX_LENGTH) },
    true,
  ],
  [
    'ActivatePauseArgs',
    'note one too long',
    { ...args, p_note: 'x'.repeat(NOTE_MAX_LENGTH + 1) },
    false,
  ],
  ['ActivatePauseArgs', 'note with NUL', { ...args, p_note: 'a\u0000b' }, false],
  ['ActivatePauseArgs', 'unknown reason code', { ...args, p_reason_code: 'burnout' }, false],
  ['ActivatePauseArgs', 'id of wrong type', { ...args, p_peer_mentor_id: 42 }, false],
  ['ActivatePauseArgs', 'id not a uuid', { ...args, p_organization_id: 'hlf' }, false],
  [
    'ActivatePauseArgs',
    'date that does not exist',
    { ...args, p_expected_end: '2027-02-29' },
    false,
  ],
  ['ActivatePauseArgs', 'date in another format', { ...args, p_expected_end: '15.01.2027' }, false],
  ['ActivatePauseArgs', 'unknown argument', { ...args, p_expected_start: '2027-01-01' }, false],
  ['ActivatePauseArgs', 'missing reason code', { ...args, p_reason_code: undefined }, false],
  [
    'DeactivatePauseArgs',
    'ids only',
    { p_peer_mentor_id: mentorId, p_organization_id: orgId },
    true,
  ],
  ['DeactivatePauseArgs', 'reason code is not its argument', args, false],
  [
    'GetActivePausesForChapterArgs',
    'both ids',
    { p_organization_id: orgId, p_chapter_id: md5Id },
    true,
  ],
  [
    'GetActivePausesForChapterArgs',
    'null chapter',
    { p_organization_id: orgId, p_chapter_id: null },
    false,
  ],
  ['PeerMentorStatusRow', 'paused row', row, true],
  ['PeerMentorStatusRow', 'a column added later', { ...row, resumed_by: null }, true],
  [
    'PeerMentorStatusRow',
    'timestamp without offset',
    { ...row, updated_at: '2026-11-26T16:15:20' },
    false,
  ],
  ['PeerMentorStatusRow', 'version beyond integer', { ...row, version: 2 ** 31 }, false],
  ['PeerMentorStatusRow', 'fractional version', { ...row, version: 1.5 }, false],
  ['PeerMentorStatusRow', 'missing column', { ...row, note: undefined }, false],
  ['PeerMentorStatusRow', 'unknown status', { ...row, status: 'inactive' }, false],
  ['ActivePauseRow', 'system pause', activePause, true],
  ['ActivePauseRow', 'pause without reason', { ...activePause, reason_code: null }, false],
  ['ActivePauseRows', 'empty chapter', [], true],
  ['ActivePauseRows', 'two pauses', [activePause, { ...activePause, paused_by: md5Id }], true],
  ['ActivePauseRows', 'a single object', activePause, false],
  [
    'PostgrestErrorBody',
    'domain error',
    { code: 'PM409', message: 'm', details: '', hint: null },
    true,
  ],
  ['PostgrestErrorBody', 'details missing', { code: 'PM409', message: 'm', hint: null }, false],
];

describe('JSON Schema and zod agree', () => {
  it.each(samples)('%s: %s', (name, _case, value, valid) => {
    // JSON.parse(JSON.stringify()) drops undefined properties, as the wire does.
    const wire = JSON.parse(JSON.stringify(value));
    expect(wireSchemas[name].safeParse(wire).success, 'zod').toBe(valid);
    expect(validators[name](wire), `JSON Schema: ${ajv.errorsText(validators[name].errors)}`).toBe(
      valid,
    );
  });
});

describe('JSON Schema index', () => {
  it('lists every schema file and points each RPC at its argument and response schema', () => {
    const index = jsonSchemaIndex() as {
      schemas: Record<string, { file: string }>;
      rpc: Record<string, { args: string; response: string; returns: string }>;
    };
    expect(Object.keys(index.schemas)).toEqual(Object.keys(wireSchemas));
    expect(index.rpc.get_active_pauses_for_chapter).toMatchObject({
      args: 'GetActivePausesForChapterArgs.json',
      response: 'ActivePauseRows.json',
      returns: 'set',
    });
    expect(index.rpc.activate_pause?.response).toBe('PeerMentorStatusRow.json');
    expect(Object.keys(index.rpc)).toEqual(Object.keys(rpcFunctions));
  });
});
