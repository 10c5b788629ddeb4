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

const server = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const name = request.url?.slice(request.url.lastIndexOf('/') + 1) ?? '';
    const call = callText(name, JSON.parse(Buffer.concat(chunks).toString() || '{}'));
    if (!call) {
      response.writeHead(404).end();
      return;
    }
    const text = `${begin}; select pg_catalog.row_to_json(r)::text as body from ${call} as r; commit`;
    pool.connect().then(async (client) => {
      try {
        const results = (await client.query(text)) as unknown as pg.QueryResult[];
        response
          .writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
          .end(results[2]?.rows[0]?.body ?? 'null');
        client.release();
      } catch (error) {
        // The failed statement left the transaction open: end it before the connection is reused.
        await client.query('rollback').catch(() => undefined);
        client.release();
        response
          .writeHead(500, { 'content-type': 'application/json; charset=utf-8' })
          .end(JSON.stringify({ message: (error as Error).message }));
      }
    });
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
