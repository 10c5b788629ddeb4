import { z } from 'zod';

// The main job's environment, parsed in one place: nothing else here reads process.env.

const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

const EnvSchema = z.object({
  /** Another PostgreSQL to use instead of starting the embedded one. */
  DATABASE_URL: optional(z.string().url()),
  /**
   * The API's own connection, as a login role that can only become anon, authenticated and
   * service_role (e.g. authenticator). Unset: the main job gives the local `authenticator` a
   * password (kept in <data-dir>/authenticator-password) and connects as it.
   */
  API_DATABASE_URL: optional(z.string().url()),
  /** The JWT secret to sign local tokens with; generated once into <data-dir>/jwt-secret otherwise. */
  LOCAL_JWT_SECRET: optional(
    z.string().min(32, 'LOCAL_JWT_SECRET must have at least 32 characters'),
  ),
  LOG_LEVEL: optional(
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  ).default('info'),
});

export type LocalStackEnv = z.infer<typeof EnvSchema>;

export function readLocalStackEnv(source: NodeJS.ProcessEnv = process.env): LocalStackEnv {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) throw new Error(`invalid environment: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
