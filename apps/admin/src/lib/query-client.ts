import { isDomainErrorCode } from '@peer-mentor/contracts';
import { QueryClient } from '@tanstack/react-query';

/** A domain error (PM…) fails the same way on retry; anything else is retried twice. */
export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 10_000,
      refetchOnWindowFocus: true,
      retry: (failureCount, error) =>
        failureCount < 2 && !isDomainErrorCode((error as { code?: string }).code ?? ''),
    },
    mutations: { retry: false },
  },
});
