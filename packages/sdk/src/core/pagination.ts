import type { Pagination } from '../types.js';
import type { HttpClient, Query, RequestOptions } from './http.js';

interface ListBody<T> {
  data: T[];
  pagination: Pagination;
}

/** How to fetch one page of a list: the path, the caller's filters, the request options. */
export interface PageRequest {
  path: string;
  query: Query;
  options?: RequestOptions;
}

/**
 * One page of a list: its items (`data`) and `pagination` (`page`, `limit`, `totalCount`, `hasMore`,
 * `nextCursor`). `getNextPage()` continues with the cursor, under the same filters and sort; iterating a
 * page with `for await` yields its items and those of every page after it.
 */
export class Page<T> implements AsyncIterable<T> {
  readonly data: T[];
  readonly pagination: Pagination;

  constructor(
    private readonly client: HttpClient,
    private readonly request: PageRequest,
    body: ListBody<T>,
  ) {
    this.data = body.data;
    this.pagination = body.pagination;
  }

  /** Is there a page after this one? */
  hasNextPage(): boolean {
    return this.pagination.hasMore && this.pagination.nextCursor != null;
  }

  /** The page after this one (keyset pagination with `nextCursor`); throws when there is none. */
  async getNextPage(): Promise<Page<T>> {
    if (!this.hasNextPage()) throw new Error('No next page: check hasNextPage() first');
    // The cursor is bound to the filters and sort it was made with: keep them, drop `page`.
    const { page: _page, ...query } = this.request.query as Record<string, unknown>;
    return fetchPage<T>(this.client, {
      ...this.request,
      query: { ...query, cursor: this.pagination.nextCursor },
    });
  }

  /** This page and every page after it. */
  async *iterPages(): AsyncGenerator<Page<T>, void, undefined> {
    yield this;
    let next = this.hasNextPage() ? await this.getNextPage() : undefined;
    while (next) {
      yield next;
      next = next.hasNextPage() ? await next.getNextPage() : undefined;
    }
  }

  /** Every item of this page and the following ones, fetching pages as needed. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for await (const page of this.iterPages()) yield* page.data;
  }
}

export async function fetchPage<T>(client: HttpClient, request: PageRequest): Promise<Page<T>> {
  const body = await client.json<ListBody<T>>({
    method: 'GET',
    path: request.path,
    query: request.query,
    options: request.options,
  });
  return new Page<T>(client, request, body);
}

/**
 * What a list method returns: await it for the first `Page`, or iterate it with `for await` to walk
 * every item of every page. The first request is sent when it is first awaited or iterated.
 *
 * ```ts
 * const page = await client.posts.list({ limit: 50 });
 * for await (const post of client.posts.list({ status: 'PUBLISHED' })) console.log(post.id);
 * ```
 */
export class PagePromise<T> implements PromiseLike<Page<T>>, AsyncIterable<T> {
  private first: Promise<Page<T>> | undefined;

  constructor(
    private readonly client: HttpClient,
    private readonly request: PageRequest,
  ) {}

  /** The first page. */
  firstPage(): Promise<Page<T>> {
    this.first ??= fetchPage<T>(this.client, this.request);
    return this.first;
  }

  then<R1 = Page<T>, R2 = never>(
    onfulfilled?: ((page: Page<T>) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.firstPage().then(onfulfilled, onrejected);
  }

  /** `Promise.catch` of the first page. */
  catch<R = never>(onrejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<Page<T> | R> {
    return this.firstPage().catch(onrejected);
  }

  /** `Promise.finally` of the first page. */
  finally(onfinally?: (() => void) | null): Promise<Page<T>> {
    return this.firstPage().finally(onfinally);
  }

  /** Every item of every page, from the first, fetching pages as needed. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    const page = await this.firstPage();
    for await (const item of page) yield item;
  }
}
