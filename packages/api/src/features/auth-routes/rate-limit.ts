import type { Clock } from '../../auth/verifier.js';

/**
 * Counts failed password sign-ins per client address and per account over a sliding window;
 * past either limit, sign-in is refused (429) until old failures age out. In memory: one
 * process serves the local stack.
 */
export interface FailedSignInLimiter {
  /** Whether another attempt from this address, for this account, is refused now. */
  blocked(address: string, account: string): boolean;
  recordFailure(address: string, account: string): void;
  /** A successful sign-in clears the account's failures (not the address's). */
  recordSuccess(account: string): void;
}

export function createFailedSignInLimiter(
  limits: { perAddress: number; perAccount: number; windowSeconds: number },
  clock: Clock,
): FailedSignInLimiter {
  const failures = new Map<string, number[]>();
  const windowMs = limits.windowSeconds * 1000;
  const recent = (key: string) => {
    const since = clock.now().getTime() - windowMs;
    const kept = (failures.get(key) ?? []).filter((at) => at > since);
    if (kept.length === 0) failures.delete(key);
    else failures.set(key, kept);
    return kept.length;
  };
  const addressKey = (address: string) => `address:${address}`;
  const accountKey = (account: string) => `account:${account.toLowerCase()}`;
  return {
    blocked: (address, account) =>
      recent(addressKey(address)) >= limits.perAddress ||
      recent(accountKey(account)) >= limits.perAccount,
    recordFailure(address, account) {
      const now = clock.now().getTime();
      for (const key of [addressKey(address), accountKey(account)]) {
        failures.set(key, [...(failures.get(key) ?? []), now]);
      }
    },
    recordSuccess(account) {
      failures.delete(accountKey(account));
    },
  };
}
