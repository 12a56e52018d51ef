import type { Post } from '@audenci/sdk-js';
import { client } from './client';

/** Most ids `GET /posts?ids=` takes at once. */
const IDS_PER_REQUEST = 100;

/**
 * The posts with these ids, by id, in one request per hundred (`GET /posts?ids=`) rather than one per
 * post; a post deleted meanwhile, or not the caller's, is simply absent.
 */
export async function postsByIds(ids: readonly string[]): Promise<Map<string, Post>> {
  const unique = [...new Set(ids)];
  const chunks: string[][] = [];
  for (let i = 0; i < unique.length; i += IDS_PER_REQUEST) chunks.push(unique.slice(i, i + IDS_PER_REQUEST));
  const pages = await Promise.all(
    chunks.map((chunk) => client.posts.list({ ids: chunk.join(','), limit: IDS_PER_REQUEST })),
  );
  return new Map(pages.flatMap((page) => page.data.map((post) => [post.id, post] as const)));
}
