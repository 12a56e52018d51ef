import type { Schemas } from '@audenci/sdk-js';
import type { Me } from './auth';
import { client } from './client';

/**
 * The signed-in person's own resources under `/api/v1/me`, through the SDK's transport (session cookie,
 * CSRF token, retries, typed errors).
 */
export type UserSession = Schemas['Session'];

async function data<T>(
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<T> {
  const answer = await client.http.json<{ data: T } | undefined>({ method, path, body });
  return answer?.data as T;
}

export const fetchMe = (): Promise<Me> => client.me.retrieve();
export const updateMe = (input: { name: string }) => data<Me>('PATCH', '/me', input);
export const changePassword = (input: { currentPassword: string; newPassword: string }) =>
  data<{ revokedSessions: number }>('POST', '/me/password', input);
export const listSessions = () => data<UserSession[]>('GET', '/me/sessions');
export const revokeSession = (id: string) =>
  data<UserSession>('DELETE', `/me/sessions/${encodeURIComponent(id)}`);
export const revokeOtherSessions = () => data<{ revoked: number }>('POST', '/me/sessions/revoke-others');
export const setupTwoFactor = () =>
  data<{ secret: string; otpauthUrl: string }>('POST', '/me/two-factor/setup');
export const enableTwoFactor = (code: string) =>
  data<{ recoveryCodes: string[] }>('POST', '/me/two-factor/enable', { code });
export const disableTwoFactor = (password: string) =>
  data<undefined>('POST', '/me/two-factor/disable', { password });
