/**
 * What a log line may show of a URL. Secrets travel in URLs in four ways, and each is hidden:
 * an API key pasted anywhere (`sk_prod_…`: its kind stays visible), credentials before the host
 * (`https://user:pass@host`), the token of an invitation or password-reset link in its path
 * (`/auth/invitations/<token>`), and query parameters that carry a secret by name — signed media links'
 * `signature`, OAuth `code` and `state`, tokens and client secrets, cloud storage signatures. Names are
 * compared decoded and case-insensitively, so `%73ignature` or `Signature` is hidden too. Everything
 * else (path, `expires`, filters) stays readable.
 */

const KEY_IN_URL = /\b(sk_(?:prod|test)_)[A-Za-z0-9]+/g;
const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i;
/** The one-time token of an invitation or a password-reset link, looked up by its path. */
const TOKEN_IN_PATH = /^(\/auth\/(?:invitations|password-reset)\/)(?!(?:accept|confirm)(?:[/?#]|$))[^/?#]+/;

/** Query parameters whose value is a secret. */
export const SECRET_QUERY_PARAMETERS: ReadonlySet<string> = new Set([
  'signature',
  'sig',
  'code',
  'state',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'client_secret',
  'appsecret_proof',
  'password',
  'secret',
  'x-amz-signature',
  'x-amz-credential',
  'x-amz-security-token',
  'x-goog-signature',
  'x-goog-credential',
]);

export const REDACTED = '[redacted]';

function decodedName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' ')).toLowerCase();
  } catch {
    return raw.toLowerCase();
  }
}

function redactQuery(query: string): string {
  return query
    .split('&')
    .map((part) => {
      const eq = part.indexOf('=');
      const name = eq === -1 ? part : part.slice(0, eq);
      return SECRET_QUERY_PARAMETERS.has(decodedName(name)) ? `${name}=${REDACTED}` : part;
    })
    .join('&');
}

/** The URL (a request target or an absolute URL) with its secrets replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  let text = url
    .replace(KEY_IN_URL, `$1${REDACTED}`)
    .replace(USERINFO, `$1${REDACTED}@`)
    .replace(TOKEN_IN_PATH, `$1${REDACTED}`);
  const question = text.indexOf('?');
  if (question === -1) return text;
  const hash = text.indexOf('#', question);
  const end = hash === -1 ? text.length : hash;
  text = `${text.slice(0, question + 1)}${redactQuery(text.slice(question + 1, end))}${text.slice(end)}`;
  return text;
}
