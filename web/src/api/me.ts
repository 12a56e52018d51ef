import type { Schemas } from '@audenci/sdk-js';
import type { Me } from './auth';
import { client } from './client';

/**
 * The signed-in person's own resources under `/api/v1/me`, through the SDK's `client.me` (session cookie,
 * CSRF token, retries, typed errors).
 */
export type UserSession = Schemas['Session'];

export const fetchMe = (): Promise<Me> => client.me.retrieve();
export const updateMe = (input: { name: string }): Promise<Me> => client.me.update(input);
export const changePassword = (input: { currentPassword: string; newPassword: string }) =>
  client.me.changePassword(input);
export const listSessions = (): Promise<UserSession[]> => client.me.listSessions();
export const revokeSession = (id: string) => client.me.revokeSession(id);
export const revokeOtherSessions = () => client.me.revokeOtherSessions();
export const setupTwoFactor = () => client.me.setupTwoFactor();
export const enableTwoFactor = (code: string) => client.me.enableTwoFactor({ code });
export const disableTwoFactor = (password: string) => client.me.disableTwoFactor({ password });
