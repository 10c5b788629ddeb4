import { type Caller, useCaller, useSession } from '../features/auth';

/** The caller of a route inside the signed-in shell (which renders routes only once known). */
export function useSignedInCaller(): Caller {
  const session = useSession()!;
  return useCaller(session).data!;
}
