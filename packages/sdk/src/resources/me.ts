import type { RequestOptions } from '../core/http.js';
import type {
  DisableTwoFactorParams,
  EnableTwoFactorParams,
  Me,
  MeUpdateParams,
  PasswordChange,
  PasswordChangeParams,
  RecoveryCodes,
  RevokedSessions,
  Session,
  TwoFactorSetup,
} from '../types.js';
import { APIResource, seg } from './resource.js';

/**
 * The signed-in person: `/me`. Only with a session (a client made with `session`, as the web app is):
 * an API key has no person and is refused (403, `details.reason` `session_required`).
 */
export class MeResource extends APIResource {
  /** The person, the organizations they belong to with their role, and where the session acts. */
  retrieve(options?: RequestOptions): Promise<Me> {
    return this.data('GET', '/me', { options });
  }

  /** Changes the person's name `{name}`. */
  update(params: MeUpdateParams, options?: RequestOptions): Promise<Me> {
    return this.data('PATCH', '/me', { body: params, options });
  }

  /** A new password given the current one (a wrong one is 400 naming `currentPassword`); other sessions end. */
  changePassword(params: PasswordChangeParams, options?: RequestOptions): Promise<PasswordChange> {
    return this.data('POST', '/me/password', { body: params, options });
  }

  /** The person's open sessions, newest first; `current` marks this one. */
  listSessions(options?: RequestOptions): Promise<Session[]> {
    return this.data('GET', '/me/sessions', { options });
  }

  /** Ends one of the person's sessions (this one signs out); another person's is 404. */
  revokeSession(id: string, options?: RequestOptions): Promise<Session> {
    return this.data('DELETE', `/me/sessions/${seg(id)}`, { options });
  }

  /** Ends every session of the person but this one. */
  revokeOtherSessions(options?: RequestOptions): Promise<RevokedSessions> {
    return this.data('POST', '/me/sessions/revoke-others', { options });
  }

  /** A new TOTP secret (base32 and `otpauth://` URL), pending until `enableTwoFactor`. */
  setupTwoFactor(options?: RequestOptions): Promise<TwoFactorSetup> {
    return this.data('POST', '/me/two-factor/setup', { options });
  }

  /** Turns two-factor sign-in on with the app's current `{code}`; resolves to ten recovery codes (shown once). */
  enableTwoFactor(params: EnableTwoFactorParams, options?: RequestOptions): Promise<RecoveryCodes> {
    return this.data('POST', '/me/two-factor/enable', { body: params, options });
  }

  /** Turns two-factor sign-in off, given `{password}`; resolves when done (204). */
  async disableTwoFactor(params: DisableTwoFactorParams, options?: RequestOptions): Promise<void> {
    await this.http.send({ method: 'POST', path: '/me/two-factor/disable', body: params, options });
  }
}
