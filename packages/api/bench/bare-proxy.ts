/**
 * The least a Node.js HTTP service in front of PostgreSQL can add: `node:http` and a `pg` pool,
 * nothing else. No token check, no routing table, no argument validation, no result shaping, no
 * logging: it reads the body, sends the caller's transaction (the same message the direct "one
 * round trip" path sends: begin, the settings, the call, commit) and writes the row back.
 *
 * bench:api runs it as its own process beside the API, on the same calls, so the report shows
 * how much of the API's share is the hop itself (an HTTP server, one more process on the
 * machine's cores, its socket reads and writes) rather than anything the API does. Not a server
 * to deploy: it trusts whoever calls it with the claims it was started with.
 *
 * Environment: DATABASE_URL (logs in as authenticator), CLAIMS (the caller's JWT claims as
 * JSON), POOL_SIZE. Prints its port when it listens; stops on SIGTERM.
 */
import http from 'node:http';
import { callerTransactionBegin, sqlLiteral } from '@peer-mentor/db';
import pg from 'pg';

const claims = JSON.parse(process.env.CLAIMS ?? '');
const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.POOL_SIZE ?? 4),
});
const begin = callerTransactionBegin(claims, { statementTimeoutMs: 8000 });

/** The call as SQL, from the body supabase-js sends for `.rpc(name, args)`. */
function callText(name: string, args: Record<string, string>): string | undefined {
  const mentor = sqlLiteral(args.p_peer_mentor_id ?? '');
  const organization = sqlLiteral(args.p_organization_id ?? '');
  if (name === 'activate_pause') {
    return `public.activate_pause(${mentor}, ${organization}, ${sqlLiteral(args.p_reason_code ?? '')})`;
  }
  if (name === 'deactivate_pause') return `public.deactivate_pause(${mentor}, ${organization})`;
  return undefined;
}

function reply(response: http.ServerResponse, status: number, body: string) {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(body);
}

/** One call in one transaction; a failed one is rolled back before its connection is reused. */
async function run(text: string, response: http.ServerResponse) {
  const client = await pool.connect();
  try {
    const results = (await client.query(text)) as unknown as pg.QueryResult[];
    reply(response, 200, results[2]?.rows[0]?.body ?? 'null');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

const server = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const name = request.url?.slice(request.url.lastIndexOf('/') + 1) ?? '';
    let call: string | undefined;
    try {
      call = callText(name, JSON.parse(Buffer.concat(chunks).toString() || '{}'));
    } catch {
      reply(response, 400, JSON.stringify({ message: 'the body is not JSON' }));
      return;
    }
    if (!call) {
      response.writeHead(404).end();
      return;
    }
    const text = `${begin}; select pg_catalog.row_to_json(r)::text as body from ${call} as r; commit`;
    // Any failure (the call's, or no connection) is answered, so no load worker waits forever.
    run(text, response).catch((error: Error) =>
      reply(response, 500, JSON.stringify({ message: error.message })),
    );
  });
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(typeof address === 'object' && address ? address.port : 0);
});
process.on('SIGTERM', () => {
  server.close(() => {
    void pool.end().then(() => process.exit(0));
  });
  server.closeIdleConnections();
});
