import { APIError, type Schemas } from '@audenci/sdk-js';

/**
 * Sign-in and the session: the only calls the app makes outside the SDK (the `/auth/*` endpoints set and
 * clear the session cookie; everything else goes through `/api/v1` with the SDK in session mode).
 */

/** Who is signed in (`GET /api/v1/me`) and where the session acts, as the API document describes it. */
export type Me = Schemas['Me'];
export type Membership = Me['organizations'][number];

/** What `POST /auth/sign-in`, `POST /auth/setup` and `GET /auth/session` answer. */
export interface Session extends Me {
  csrfToken: string;
}

/** The organization the session acts in, from the person's memberships. */
export function currentOrganization(me: Me): Membership | undefined {
  return me.organizations.find((o) => o.id === me.organizationId);
}

let csrfToken: string | undefined;

/** The current session's CSRF token, read by the SDK before each state-changing request. */
export function currentCsrfToken(): string | undefined {
  return csrfToken;
}

function remember(session: Session | null): Session | null {
  csrfToken = session?.csrfToken;
  return session;
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * One `/auth/*` request: its answer's `data`. A non-2xx answer throws the SDK's `APIError` (envelope
 * code, details, headers).
 */
async function authRequest(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const parsed = await readJson(response);
  if (!response.ok) throw APIError.from(response.status, parsed, response.headers);
  return (parsed as { data?: unknown } | undefined)?.data;
}

export interface Credentials {
  email: string;
  password: string;
  /** The authenticator's 6-digit code (or a recovery code) when two-factor sign-in is on. */
  code?: string;
}

export async function signIn(credentials: Credentials): Promise<Session> {
  return remember((await authRequest('POST', '/auth/sign-in', credentials)) as Session) as Session;
}

export interface SetupInput extends Credentials {
  token: string;
  name: string;
}

/** Creates the first person (owner) from the one-time setup link, and signs them in. */
export async function completeSetup(input: SetupInput): Promise<Session> {
  return remember((await authRequest('POST', '/auth/setup', input)) as Session) as Session;
}

/** The signed-in session, or null when there is none (401). */
export async function fetchSession(): Promise<Session | null> {
  try {
    return remember((await authRequest('GET', '/auth/session')) as Session);
  } catch (error) {
    // 401: nobody is signed in. 404: a server without people (sessions) has nobody signed in either.
    if (error instanceof APIError && (error.status === 401 || error.status === 404)) return remember(null);
    throw error;
  }
}

/** Moves the session to another organization or environment (test mode); answers the new session. */
export async function switchSession(to: {
  organizationId?: string;
  environment?: Me['environment'];
}): Promise<Session> {
  return remember((await authRequest('POST', '/auth/switch', to)) as Session) as Session;
}

export async function signOut(): Promise<void> {
  try {
    await authRequest('POST', '/auth/sign-out');
  } finally {
    remember(null);
  }
}

/** Asks for a password-reset email. `emailSent` false: no SMTP here, an admin must make the link. */
export async function requestPasswordReset(email: string): Promise<{ emailSent: boolean }> {
  return (await authRequest('POST', '/auth/password-reset', { email })) as { emailSent: boolean };
}

/** The account a reset link is for (404 when the link is unknown, used or expired). */
export async function fetchPasswordReset(token: string): Promise<{ email: string; expiresAt: string }> {
  return (await authRequest('GET', `/auth/password-reset/${encodeURIComponent(token)}`)) as {
    email: string;
    expiresAt: string;
  };
}

/** Sets the new password; every session of the person ends, and they sign in again. */
export async function confirmPasswordReset(input: { token: string; password: string }): Promise<void> {
  await authRequest('POST', '/auth/password-reset/confirm', input);
}

export interface InvitationPreview {
  organization: { id: string; name: string };
  email: string;
  role: Membership['role'];
  accountExists: boolean;
  expiresAt: string;
}

/** What an invitation link offers (404 when unknown, expired or used). */
export async function fetchInvitation(token: string): Promise<InvitationPreview> {
  return (await authRequest('GET', `/auth/invitations/${encodeURIComponent(token)}`)) as InvitationPreview;
}

/** Joins the organization (creating the account, or proving the existing one) and signs in there. */
export async function acceptInvitation(input: {
  token: string;
  name?: string;
  password: string;
  code?: string;
}): Promise<Session> {
  return remember((await authRequest('POST', '/auth/invitations/accept', input)) as Session) as Session;
}
