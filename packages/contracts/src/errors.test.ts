import { describe, expect, it } from 'vitest';
import {
  DomainError,
  domainError,
  domainErrorCatalog,
  findDomainError,
  findPlatformError,
  isDomainError,
  isDomainErrorCode,
  isRetryableCode,
  parsePostgrestError,
  platformErrorCatalog,
  postgrestHttpStatus,
  RpcError,
} from './errors.js';

describe('domain error catalog', () => {
  it('gives every error a distinct SQLSTATE of our class PM, name and Dart name', () => {
    for (const entry of domainErrorCatalog) expect(entry.code).toMatch(/^PM[0-9]{3}$/);
    for (const key of ['code', 'name', 'dartName'] as const) {
      const values = domainErrorCatalog.map((entry) => entry[key]);
      expect(new Set(values).size).toBe(values.length);
    }
  });

  it('says PostgREST answers 400 for our codes and that retrying unchanged cannot help', () => {
    for (const entry of domainErrorCatalog) {
      expect(postgrestHttpStatus(entry.code)).toBe(400);
      expect(isRetryableCode(entry.code)).toBe(false);
    }
  });

  it('finds an entry by the code a PostgREST error body carries', () => {
    expect(findDomainError('PM409')?.name).toBe('already_paused');
    expect(findDomainError('42501')).toBeUndefined();
    expect(isDomainErrorCode('PM423')).toBe(true);
    expect(isDomainErrorCode('P0001')).toBe(false);
  });
});

describe('codes that are not ours', () => {
  it('are kept apart from the domain codes', () => {
    const domainCodes = new Set<string>(domainErrorCatalog.map((entry) => entry.code));
    for (const entry of platformErrorCatalog) expect(domainCodes.has(entry.code)).toBe(false);
    expect(findPlatformError('PGRST202')?.name).toBe('function_not_found');
  });

  it('map to the HTTP status PostgREST documents', () => {
    expect(postgrestHttpStatus('42501')).toBe(403);
    expect(postgrestHttpStatus('42501', { anonymous: true })).toBe(401);
    expect(postgrestHttpStatus('PGRST301')).toBe(401);
    expect(postgrestHttpStatus('PGRST202')).toBe(404);
    expect(postgrestHttpStatus('40001')).toBe(500);
    // From the SQLSTATE table, for codes in neither catalog.
    expect(postgrestHttpStatus('23505')).toBe(409);
    expect(postgrestHttpStatus('23502')).toBe(400);
    expect(postgrestHttpStatus('08006')).toBe(503);
    expect(postgrestHttpStatus('53400')).toBe(500);
    expect(postgrestHttpStatus('53100')).toBe(503);
    expect(postgrestHttpStatus('42883')).toBe(404);
    expect(postgrestHttpStatus('P0001')).toBe(400);
    expect(postgrestHttpStatus('P0002')).toBe(500);
    expect(postgrestHttpStatus('PGRST999')).toBeUndefined();
  });

  it('are retryable exactly where repeating the same call can succeed', () => {
    expect(isRetryableCode('40001')).toBe(true);
    expect(isRetryableCode('40P01')).toBe(true);
    expect(isRetryableCode('08006')).toBe(true);
    expect(isRetryableCode('PGRST003')).toBe(true);
    expect(isRetryableCode('42501')).toBe(false);
    expect(isRetryableCode('PGRST301')).toBe(false);
    expect(isRetryableCode('22P02')).toBe(false);
    expect(isRetryableCode('')).toBe(false);
  });
});

describe('parsePostgrestError', () => {
  // As PostgREST sends it when activate_pause raises PM409.
  const alreadyPaused = {
    code: 'PM409',
    message: 'peer mentor is already paused',
    details: 'status is paused (version 3)',
    hint: null,
  };

  it('turns a PM body into a DomainError carrying code, name, details and retryable', () => {
    const error = parsePostgrestError(alreadyPaused);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      kind: 'domain',
      code: 'PM409',
      name: 'already_paused',
      message: 'peer mentor is already paused',
      details: 'status is paused (version 3)',
      hint: null,
      httpStatus: 400,
      retryable: false,
    });
    expect(isDomainError(error, 'already_paused')).toBe(true);
    expect(isDomainError(error, 'not_paused')).toBe(false);
    expect(String(error)).toBe('already_paused: peer mentor is already paused');
  });

  it('gives the wire body back as JSON', () => {
    expect(JSON.parse(JSON.stringify(parsePostgrestError(alreadyPaused)))).toEqual(alreadyPaused);
    expect(domainError('PM423', 'started by coordinator').toJSON()).toEqual({
      code: 'PM423',
      message: 'this pause can only be ended by a coordinator or an organization admin',
      details: 'started by coordinator',
      hint: null,
    });
  });

  it('accepts the body as JSON text, and the response status when the caller knows it', () => {
    const error = parsePostgrestError(
      JSON.stringify({
        code: '42501',
        message: 'permission denied for function activate_pause',
        details: null,
        hint: null,
      }),
      { httpStatus: 401 },
    );
    expect(error).not.toBeInstanceOf(DomainError);
    expect(error).toMatchObject({
      kind: 'platform',
      name: 'insufficient_privilege',
      code: '42501',
      httpStatus: 401,
      retryable: false,
    });
  });

  it('marks a lost race as retryable', () => {
    const error = parsePostgrestError({
      code: '40001',
      message: 'peer mentor status changed concurrently; retry the call',
      details: null,
      hint: null,
    });
    expect(error).toMatchObject({ kind: 'platform', retryable: true, httpStatus: 500 });
  });

  it('falls back to an unknown error for a code neither catalog knows', () => {
    const error = parsePostgrestError({
      code: '23514',
      message: 'new row violates check constraint',
      details: 'Failing row contains (...)',
      hint: null,
    });
    expect(error).toBeInstanceOf(RpcError);
    expect(error).toMatchObject({
      kind: 'unknown',
      name: 'unknown_error',
      code: '23514',
      httpStatus: 400,
      retryable: false,
      details: 'Failing row contains (...)',
    });
  });

  it('never throws on a body that is not an error body', () => {
    const samples: unknown[] = [
      null,
      undefined,
      42,
      '<html>502 Bad Gateway</html>',
      { error: 'invalid_grant' },
      { code: 'PM404' },
      { code: 500, message: 'Internal Server Error' },
      { message: 123 },
    ];
    for (const sample of samples) {
      const error = parsePostgrestError(sample, { httpStatus: 502 });
      expect(error, JSON.stringify(sample)).toBeInstanceOf(RpcError);
      expect(error.message, JSON.stringify(sample)).not.toBe('');
      expect(error.httpStatus).toBe(502);
    }
    // A body with only a known code still becomes the domain error, with the catalog message.
    expect(parsePostgrestError({ code: 'PM404' })).toMatchObject({
      name: 'not_found',
      message: 'peer mentor or chapter not found',
      details: null,
    });
    expect(parsePostgrestError('<html>502 Bad Gateway</html>')).toMatchObject({
      kind: 'unknown',
      code: '',
      message: '<html>502 Bad Gateway</html>',
      httpStatus: undefined,
      retryable: false,
    });
    expect(parsePostgrestError({ message: 123 }).message).toMatch(/^not a PostgREST error body/);
  });
});
