import type { ListParams } from '../db/paginate.js';

export interface ListQueryInput {
  page?: number;
  limit?: number;
  cursor?: string;
  sortBy?: string;
  sortOrder?: 'asc' | 'desc';
}

/** The pagination part of a list query, with the documented defaults. */
export function listParams(query: ListQueryInput, defaultSort = 'createdAt'): ListParams {
  return {
    page: query.page ?? 1,
    limit: query.limit ?? 20,
    cursor: query.cursor,
    sortBy: query.sortBy ?? defaultSort,
    sortOrder: query.sortOrder ?? 'desc',
  };
}
