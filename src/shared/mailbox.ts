/**
 * Email addresses as Audenci accepts them: the sender it is configured with (`AUDENCI_MAIL_FROM`) and
 * the recipient of each mail. Deliberately narrower than RFC 5322 — an ASCII dot-atom local part and a
 * host name — because every address here is typed by a person, and a stricter check keeps header
 * injection (line breaks, a second address after a comma) out without relying on the mail library.
 * Imports nothing of ours.
 */

/** A sender or recipient: the address and, optionally, the name shown with it. */
export interface Mailbox {
  name: string | undefined;
  address: string;
}

const ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const ADDRESS = new RegExp(`^${ATOM}(?:\\.${ATOM})*@${LABEL}(?:\\.${LABEL})*$`);
/** RFC 5321's limit on a forward path, less the angle brackets. */
const MAX_ADDRESS_LENGTH = 254;
/** `Name <address>`, the name optionally in double quotes. */
const NAMED = /^(.*?)\s*<([^<>]*)>$/s;
// A line break in a header value would start a header of its own.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

export function isEmailAddress(value: string): boolean {
  return value.length <= MAX_ADDRESS_LENGTH && ADDRESS.test(value);
}

/** `no-reply@example.com` or `Audenci <no-reply@example.com>`; `undefined` when it is neither. */
export function parseMailbox(raw: string): Mailbox | undefined {
  const text = raw.trim();
  if (CONTROL.test(text)) return undefined;
  const named = NAMED.exec(text);
  if (!named) return isEmailAddress(text) ? { name: undefined, address: text } : undefined;
  const address = named[2]!.trim();
  let name = named[1]!.trim();
  if (/^".*"$/s.test(name)) name = name.slice(1, -1).replace(/\\(.)/g, '$1');
  else if (name.includes('"')) return undefined;
  if (!isEmailAddress(address) || /[<>]/.test(name)) return undefined;
  return { name: name === '' ? undefined : name, address };
}
