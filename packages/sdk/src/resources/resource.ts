import type { HttpClient, HttpMethod, Query, RequestOptions, RequestSpec } from '../core/http.js';
import { PagePromise } from '../core/pagination.js';

/** A path segment, escaped. */
export const seg = (value: string): string => encodeURIComponent(value);

/** The base of every resource class: a thin layer of typed calls over the shared transport. */
export abstract class APIResource {
  constructor(protected readonly http: HttpClient) {}

  /** Sends a request and resolves to the `data` member of its answer. */
  protected async data<T>(
    method: HttpMethod,
    path: string,
    extra: Omit<RequestSpec, 'method' | 'path'> = {},
  ): Promise<T> {
    const body = await this.http.json<{ data: T }>({ method, path, ...extra });
    return body.data;
  }

  /** A list: awaitable for its first page, iterable over every item. */
  protected page<T>(
    path: string,
    query: Query | undefined,
    options: RequestOptions | undefined,
  ): PagePromise<T> {
    return new PagePromise<T>(this.http, { path, query: query ?? {}, options });
  }
}
