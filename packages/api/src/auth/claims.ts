import type { CallerClaims, DatabaseRole } from '@peer-mentor/contracts';
import type { JwtClaims } from '@peer-mentor/db';

/** Who a request runs as. */
export interface Caller {
  role: DatabaseRole;
  /** Subject and organization, read with the contracts' rules (`readJwtClaims`). */
  identity: CallerClaims;
  /** Every claim of the verified token, set as `request.jwt.claims` as PostgREST sets them. */
  claims: JwtClaims;
  /** PostgREST's notion, used for 42501: the role is not the anonymous role. */
  authenticated: boolean;
}

/** A request without a user token. */
export const anonymousCaller: Caller = {
  role: 'anon',
  identity: { subject: null, role: 'anon', organizationId: null },
  claims: { role: 'anon' },
  authenticated: false,
};
