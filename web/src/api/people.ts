import type { Schemas } from '@audenci/sdk-js';
import type { Role } from './role';
import { client } from './client';

/**
 * Members, invitations and the organization's own settings (docs: /work/notes/api-spec.md), through the
 * SDK's transport in session mode. These become `client.members`, `client.invitations` and
 * `client.organization.update` once the SDK has them; the shapes below are the API's.
 */

export interface Member {
  id: string;
  userId: string;
  email: string;
  name: string;
  role: Role;
  twoFactorEnabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface Invitation {
  id: string;
  email: string;
  role: Role;
  status: 'pending' | 'accepted' | 'revoked' | 'expired';
  invitedBy: { id: string; name: string; email: string } | null;
  createdAt: string;
  expiresAt: string;
  acceptedAt: string | null;
}

export interface CreatedInvitation extends Invitation {
  delivery: 'email' | 'link';
  acceptUrl?: string;
  deliveryError?: string;
}

export interface Usage {
  environment: 'live' | 'test';
  used: number;
  remaining: number;
  resetAt: string;
}

export type Organization = Schemas['Organization'] & { usage?: Usage };

interface ListAnswer<T> {
  data: T[];
  pagination: { hasMore: boolean; nextCursor?: string | null };
}

export async function retrieveOrganization(): Promise<Organization> {
  return (await client.http.json<{ data: Organization }>({ method: 'GET', path: '/organization' })).data;
}

export async function updateOrganization(body: { name: string }): Promise<Organization> {
  return (await client.http.json<{ data: Organization }>({ method: 'PATCH', path: '/organization', body }))
    .data;
}

export function listMembers(query: { limit?: number; cursor?: string } = {}): Promise<ListAnswer<Member>> {
  return client.http.json<ListAnswer<Member>>({ method: 'GET', path: '/members', query });
}

export async function updateMember(id: string, body: { role: Role }): Promise<Member> {
  return (
    await client.http.json<{ data: Member }>({
      method: 'PATCH',
      path: `/members/${encodeURIComponent(id)}`,
      body,
    })
  ).data;
}

export async function removeMember(id: string): Promise<void> {
  await client.http.json<unknown>({ method: 'DELETE', path: `/members/${encodeURIComponent(id)}` });
}

export function listInvitations(
  query: { status?: Invitation['status']; limit?: number; cursor?: string } = {},
): Promise<ListAnswer<Invitation>> {
  return client.http.json<ListAnswer<Invitation>>({ method: 'GET', path: '/invitations', query });
}

export async function createInvitation(body: { email: string; role: Role }): Promise<CreatedInvitation> {
  return (await client.http.json<{ data: CreatedInvitation }>({ method: 'POST', path: '/invitations', body }))
    .data;
}

export async function revokeInvitation(id: string): Promise<void> {
  await client.http.json<unknown>({ method: 'DELETE', path: `/invitations/${encodeURIComponent(id)}` });
}
