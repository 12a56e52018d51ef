import { withTraceparent } from '../../shared/trace.js';
import type { ConnectorEnvironment, PlatformError } from '../connector.js';
import { resendOnReset } from '../../shared/retry.js';
import { classifyApiError, classifyNetworkError, classifyTokenError } from './twitter.errors.js';

/**
 * The one way the X connector talks HTTP: every request carries `AbortSignal.timeout(env.timeoutMs)`
 * (which also bounds reading the body), and every failure leaves here as a classified `PlatformError`.
 * One request per call — retrying is the worker's job — except that a GET whose connection was reset
 * under it is sent once more at once (`resendOnReset`).
 */

type Classifier = (status: number, headers: Headers, body: unknown, nowMs: number) => PlatformError;

function parseBody(text: string): unknown {
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

async function send(
  env: ConnectorEnvironment,
  url: string,
  init: RequestInit,
  classify: Classifier,
): Promise<unknown> {
  let response: Response;
  let text: string;
  try {
    ({ response, text } = await resendOnReset(init.method ?? 'GET', async () => {
      const answer = await env.fetch(url, {
        ...init,
        headers: withTraceparent({ ...(init.headers as Record<string, string>) }),
        signal: AbortSignal.timeout(env.timeoutMs),
      });
      return { response: answer, text: await answer.text() };
    }));
  } catch (error) {
    throw classifyNetworkError(error);
  }
  const body = parseBody(text);
  if (!response.ok) throw classify(response.status, response.headers, body, env.now());
  return body;
}

function apiUrl(env: ConnectorEnvironment, path: string, query?: Record<string, string>): string {
  const url = new URL(path, env.apiBaseUrl.endsWith('/') ? env.apiBaseUrl : `${env.apiBaseUrl}/`);
  for (const [key, value] of Object.entries(query ?? {})) url.searchParams.set(key, value);
  return url.toString();
}

export interface XRequest {
  query?: Record<string, string>;
  /** Sent as `application/json`. */
  json?: unknown;
  /** Sent as `multipart/form-data`. */
  form?: FormData;
}

/** X API v2 calls made as one user (OAuth 2.0 user context: `Authorization: Bearer <token>`). */
export interface XClient {
  call(method: 'GET' | 'POST', path: string, request?: XRequest): Promise<unknown>;
}

export function createXClient(env: ConnectorEnvironment, accessToken: string): XClient {
  return {
    call(method, path, request = {}) {
      const headers: Record<string, string> = { authorization: `Bearer ${accessToken}` };
      let body: RequestInit['body'];
      if (request.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(request.json);
      } else if (request.form) {
        body = request.form; // fetch sets the multipart boundary itself
      }
      return send(env, apiUrl(env, path, request.query), { method, headers, body }, classifyApiError);
    },
  };
}

/**
 * `POST /2/oauth2/token`, form-encoded. A confidential client (one with a secret) authenticates with
 * HTTP Basic `base64(client_id:client_secret)`; a public client puts `client_id` in the form instead.
 */
export function requestToken(env: ConnectorEnvironment, clientId: string, form: Record<string, string>) {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  const fields = new URLSearchParams(form);
  if (env.clientSecret) {
    headers.authorization = `Basic ${Buffer.from(`${clientId}:${env.clientSecret}`).toString('base64')}`;
  } else {
    fields.set('client_id', clientId);
  }
  const init: RequestInit = { method: 'POST', headers, body: fields.toString() };
  return send(env, apiUrl(env, '/2/oauth2/token'), init, classifyTokenError);
}
