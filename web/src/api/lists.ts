import type { PagePromise } from '@audenci/sdk-js';

/** Every item of a list, page after page, up to `max` (the pages of this app show a few hundred at most). */
export async function listAll<T>(pages: PagePromise<T>, max = 1000): Promise<{ items: T[]; more: boolean }> {
  const items: T[] = [];
  for await (const item of pages) {
    if (items.length === max) return { items, more: true };
    items.push(item);
  }
  return { items, more: false };
}
