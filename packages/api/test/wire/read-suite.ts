import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { describe, expect, it } from 'vitest';
import { ids, people } from '../support/harness.js';
import { type ReadAnswer, type ReadCase, readCases, type Who } from './read-cases.js';
import type { WireTarget } from './targets.js';

const users: Record<Exclude<Who, 'anon'>, { userId: string; organizationId: string }> = {
  admin: { userId: people.admin, organizationId: ids.hlf },
  kari: { userId: people.kari, organizationId: ids.hlf },
  anna: { userId: people.anna, organizationId: ids.hlf },
  siri: { userId: people.siri, organizationId: ids.north },
};

/** A signed-in (or anonymous) caller: supabase-js, the raw headers, and the last response's headers. */
interface Session {
  db: SupabaseClient;
  headers: Record<string, string>;
  lastHeaders: Headers | undefined;
}

async function sessionFor(target: WireTarget, who: Who): Promise<Session> {
  const token =
    who === 'anon'
      ? undefined
      : await target.userToken(users[who].userId, users[who].organizationId);
  const session: Session = {
    db: undefined as unknown as SupabaseClient,
    headers: { apikey: target.anonKey, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    lastHeaders: undefined,
  };
  session.db = createClient(target.url, target.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false },
    ...(token ? { accessToken: async () => token } : {}),
    global: {
      // Records the response headers (Content-Range, Preference-Applied), which supabase-js keeps to itself.
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        session.lastHeaders = response.headers;
        return response;
      },
    },
  });
  return session;
}

async function answer(target: WireTarget, session: Session, test: ReadCase): Promise<ReadAnswer> {
  if (test.query) {
    const result = (await test.query(session.db)) as Omit<ReadAnswer, 'headers'>;
    return { ...result, headers: session.lastHeaders };
  }
  const raw = test.raw as NonNullable<ReadCase['raw']>;
  const response = await fetch(`${target.url}/rest/v1${raw.path}`, {
    method: raw.method ?? 'GET',
    headers: { ...session.headers, ...raw.headers },
    ...(raw.body !== undefined ? { body: raw.body } : {}),
  });
  const text = await response.text();
  const body = text === '' ? null : JSON.parse(text);
  const total = response.headers.get('content-range')?.split('/')[1];
  return {
    status: response.status,
    data: response.ok ? body : null,
    error: response.ok ? null : body,
    count: total && total !== '*' ? Number(total) : null,
    headers: response.headers,
  };
}

/**
 * PostgREST's read grammar, table-driven (read-cases.ts), through supabase-js and raw HTTP.
 * Against a real project (`remote`), the cases marked as deliberate local differences are skipped.
 */
export function defineReadConformanceSuite(getTarget: () => WireTarget, remote: boolean) {
  const sessions = new Map<Who, Promise<Session>>();
  const session = (who: Who) => {
    let pending = sessions.get(who);
    if (!pending) {
      pending = sessionFor(getTarget(), who);
      sessions.set(who, pending);
    }
    return pending;
  };

  describe('PostgREST’s read grammar', () => {
    for (const test of readCases) {
      it.skipIf(remote && test.localOnly)(test.name, async () => {
        const result = await answer(getTarget(), await session(test.as), test);
        const shown = JSON.stringify({
          status: result.status,
          data: result.data,
          error: result.error,
        });
        expect(result.status, shown).toBe(test.status);
        expect(result.status, shown).toBeLessThan(500);
        if (test.code !== undefined) expect(result.error?.code, shown).toBe(test.code);
        else expect(result.error, shown).toBeNull();
        if ('data' in test) expect(result.data, shown).toEqual(test.data);
        if (test.count !== undefined) expect(result.count, shown).toBe(test.count);
        for (const [name, value] of Object.entries(test.headers ?? {})) {
          expect(result.headers?.get(name), name).toBe(value);
        }
        test.check?.(result);
      });
    }
  });
}
