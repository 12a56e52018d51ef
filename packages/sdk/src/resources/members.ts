import type { RequestOptions } from '../core/http.js';
import type { PagePromise } from '../core/pagination.js';
import type {
  CreatedInvitation,
  Invitation,
  InvitationCreateParams,
  InvitationListParams,
  Member,
  MemberListParams,
  MemberPasswordReset,
  MemberUpdateParams,
} from '../types.js';
import { APIResource, seg } from './resource.js';

/**
 * The organization's people: `/members`. Listing and reading need `read`; changing a role or removing
 * someone needs `admin` (and an owner for anything about owners). A signed-in person removing their own
 * membership leaves the organization.
 */
export class Members extends APIResource {
  /** Lists members (filter `role`). */
  list(params?: MemberListParams, options?: RequestOptions): PagePromise<Member> {
    return this.page<Member>('/members', params, options);
  }

  /** Retrieves a member. */
  retrieve(id: string, options?: RequestOptions): Promise<Member> {
    return this.data('GET', `/members/${seg(id)}`, { options });
  }

  /** Changes a member's role `{role}`; the last owner cannot be demoted (409, `last_owner`). */
  update(id: string, params: MemberUpdateParams, options?: RequestOptions): Promise<Member> {
    return this.data('PATCH', `/members/${seg(id)}`, { body: params, options });
  }

  /**
   * A one-time password reset link (valid an hour) for a member who ranks no higher than you and belongs
   * to no other organization (403 otherwise): mailed (`delivery` `email`) or answered as `resetUrl` for
   * you to pass on (`link`).
   */
  passwordReset(id: string, options?: RequestOptions): Promise<MemberPasswordReset> {
    return this.data('POST', `/members/${seg(id)}/password-reset`, { options });
  }

  /** Removes a member (or, for your own membership, leaves); resolves when done (204). */
  async del(id: string, options?: RequestOptions): Promise<void> {
    await this.http.send({ method: 'DELETE', path: `/members/${seg(id)}`, options });
  }
}

/** Invitations by email to join the organization: `/invitations` (admin scope). */
export class Invitations extends APIResource {
  /** Lists invitations by email (filter `status`). */
  list(params?: InvitationListParams, options?: RequestOptions): PagePromise<Invitation> {
    return this.page<Invitation>('/invitations', params, options);
  }

  /**
   * Invites `{email, role}`. `delivery` says whether it was mailed (`email`) or whether you must pass on
   * `acceptUrl` yourself (`link`: no SMTP configured, or sending failed — see `deliveryError`).
   */
  create(params: InvitationCreateParams, options?: RequestOptions): Promise<CreatedInvitation> {
    return this.data('POST', '/invitations', { body: params, options });
  }

  /** Revokes an invitation: its link stops working (an accepted one is 409). */
  async revoke(id: string, options?: RequestOptions): Promise<void> {
    await this.http.send({ method: 'DELETE', path: `/invitations/${seg(id)}`, options });
  }
}
