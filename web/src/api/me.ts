import type { Me } from './auth';
import { client } from './client';

/**
 * `GET /api/v1/me` through the SDK's transport (session cookie, retries, typed errors). The SDK has no
 * `me` resource yet; this becomes `client.me.retrieve()` when it does.
 */
export async function fetchMe(): Promise<Me> {
  const answer = await client.http.json<{ data: Me }>({ method: 'GET', path: '/me' });
  return answer.data;
}
