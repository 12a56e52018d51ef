import type { MemberPasswordReset, Schemas } from '@audenci/sdk-js';
import type { Role } from './role';
import { client } from './client';

/**
 * Members, invitations and the organization's own settings, through the SDK in session mode
 * (`client.members`, `client.invitations`, `client.organization`). Each list answers its first page.
 */

export type Member = Schemas['Member'];
export type Invitation = Schemas['Invitation'];
export type CreatedInvitation = Schemas['CreatedInvitation'];
export type Organization = Schemas['Organization'];
export type { MemberPasswordReset };

export function retrieveOrganization(): Promise<Organization> {
  return client.organization.retrieve();
}

export function updateOrganization(body: { name: string }): Promise<Organization> {
  return client.organization.update(body);
}

export function listMembers(query: { limit?: number; cursor?: string } = {}) {
  return client.members.list(query).firstPage();
}

export function updateMember(id: string, body: { role: Role }): Promise<Member> {
  return client.members.update(id, body);
}

export function removeMember(id: string): Promise<void> {
  return client.members.del(id);
}

/** A reset link for a member: emailed, or answered for the admin to pass on. */
export function memberPasswordReset(id: string): Promise<MemberPasswordReset> {
  return client.members.passwordReset(id);
}

export function listInvitations(
  query: { status?: Invitation['status']; limit?: number; cursor?: string } = {},
) {
  return client.invitations.list(query).firstPage();
}

export function createInvitation(body: { email: string; role: Role }): Promise<CreatedInvitation> {
  return client.invitations.create(body);
}

export function revokeInvitation(id: string): Promise<void> {
  return client.invitations.revoke(id);
}
