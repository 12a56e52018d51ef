import { queryOptions } from '@tanstack/react-query';
import { fetchSession } from './auth';

/** The signed-in session (null when signed out), shared by the route guard and the top bar. */
export const sessionQuery = queryOptions({
  queryKey: ['session'] as const,
  queryFn: fetchSession,
  staleTime: 60_000,
  retry: false,
});
