/**
 * How the Edge Function connects to its database: TLS verified against the CA the operator
 * provides, or plain where the URL asks for no TLS at all. Never TLS without verification.
 *
 * With `npm:pg`, a `sslmode` in the connection string overrides the `ssl` option, and
 * `sslmode=require` means "verify against the runtime's trusted CAs", which fails against
 * Supabase's own root CA; without `sslmode` the driver does not use TLS, which a project with
 * SSL enforced refuses. So the function takes the CA from the secret NIGHTLY_DB_CA_CERT (PEM;
 * custom secrets may not start with SUPABASE_), strips the URL's TLS parameters and decides:
 *
 *   NIGHTLY_DB_CA_CERT set        TLS, the server's certificate and host name verified against it
 *                                 (a URL saying sslmode=disable is a contradiction: refused)
 *   not set, URL has an sslmode   TLS verified against the runtime's trusted CAs, whatever the
 *   other than disable            mode says (no-verify, prefer and require included)
 *   not set, no sslmode / disable no TLS (a local database)
 *
 * A connection that fails for one of these reasons gets an error that says which, and what to
 * set. Runs under Deno and Node; it imports no package.
 */

/** What `new pg.Client(...)` needs besides the application name. */
export interface DatabaseConnectionOptions {
  connectionString: string;
  ssl: false | { ca?: string; rejectUnauthorized: true };
}

const TLS_URL_PARAMETERS = [
  'sslmode',
  'ssl',
  'sslrootcert',
  'sslcert',
  'sslkey',
  'sslnegotiation',
  'uselibpqcompat',
];

/** The connection for SUPABASE_DB_URL and NIGHTLY_DB_CA_CERT; throws on a contradiction. */
export function databaseConnectionOptions(
  databaseUrl: string,
  caCertificate: string | undefined,
): DatabaseConnectionOptions {
  const url = new URL(databaseUrl);
  const sslmode = url.searchParams.get('sslmode');
  for (const name of TLS_URL_PARAMETERS) url.searchParams.delete(name);
  const connectionString = url.toString();
  const ca = caCertificate?.trim() ? caCertificate.trim() : undefined;
  if (ca !== undefined) {
    if (!/^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----$/.test(ca)) {
      throw new Error(
        'NIGHTLY_DB_CA_CERT must hold the CA certificate in PEM form (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)',
      );
    }
    if (sslmode === 'disable') {
      throw new Error(
        'NIGHTLY_DB_CA_CERT is set but the database URL says sslmode=disable: remove one of them',
      );
    }
    return { connectionString, ssl: { ca, rejectUnauthorized: true } };
  }
  if (sslmode === null || sslmode === 'disable') return { connectionString, ssl: false };
  return { connectionString, ssl: { rejectUnauthorized: true } };
}

const CERTIFICATE_PROBLEM =
  /certificate|issuer|self[- ]signed|altname|verify|UnknownIssuer|NotValidForName|BadCertificate/i;
const TLS_REQUIRED = /SSL|encryption/i;

/**
 * The error a failed connection is reported with: says when TLS verification failed or the
 * server wants TLS, and what to set; anything else unchanged.
 */
export function explainConnectionError(
  error: unknown,
  options: DatabaseConnectionOptions,
): unknown {
  if (!(error instanceof Error)) return error;
  const text = `${(error as { code?: unknown }).code ?? ''} ${error.message}`;
  if (options.ssl === false) {
    if (TLS_REQUIRED.test(error.message)) {
      return new Error(
        `the database refused a connection without TLS (${error.message}): set NIGHTLY_DB_CA_CERT to the project's CA certificate (Dashboard > Database > Settings > SSL Configuration)`,
        { cause: error },
      );
    }
    return error;
  }
  if (/does not support SSL/i.test(error.message)) {
    return new Error(
      `the database does not offer TLS, and this function never connects to it without: ${error.message}`,
      { cause: error },
    );
  }
  if (CERTIFICATE_PROBLEM.test(text)) {
    const against =
      options.ssl.ca !== undefined
        ? 'NIGHTLY_DB_CA_CERT'
        : "the runtime's trusted CAs (set NIGHTLY_DB_CA_CERT to the project's CA certificate)";
    return new Error(
      `the database's TLS certificate could not be verified against ${against}: ${error.message}`,
      { cause: error },
    );
  }
  return error;
}
