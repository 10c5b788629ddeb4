import type { TestApp } from './harness.js';

/** A parsed JSON response body; tests inspect it field by field. */
// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by assertions, not types
export type Json = any;

export interface CallOptions {
  apikey?: string | undefined;
  token?: string | undefined;
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
}

/** A request as supabase-js would send it to the app in-process; returns status, headers and body. */
export async function callRpc(t: TestApp, fn: string, args: unknown, options: CallOptions = {}) {
  const method = options.method ?? 'POST';
  const headers: Record<string, string> = { ...options.headers };
  if (options.apikey !== undefined) headers.apikey = options.apikey;
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let path = `/rest/v1/rpc/${fn}`;
  let body: string | undefined;
  if (method === 'GET' || method === 'HEAD') {
    path += `?${new URLSearchParams(args as Record<string, string>)}`;
  } else {
    headers['content-type'] ??= 'application/json';
    body = options.body !== undefined ? String(options.body) : JSON.stringify(args);
  }
  const response = await t.app.request(path, { method, headers, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json: json as Json };
}
