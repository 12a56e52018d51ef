import { queryOptions } from '@tanstack/react-query';
import { client } from './client';
import { listAll } from './lists';

/** The organization's brands by name (every page's brand picker and brand names share this key). */
export const brandsQuery = queryOptions({
  queryKey: ['brands', 'all'] as const,
  queryFn: () => listAll(client.brands.list({ sortBy: 'name', limit: 100 })),
});
