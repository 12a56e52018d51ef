import { randomPoolBytes } from './random-pool.js';

/**
 * Prefixed, time-sortable ids: `<prefix>_<10 chars of milliseconds><16 random chars>` in Crockford
 * base32 (the ULID layout). Ids made in the same millisecond by one process increase monotonically, so
 * sorting by id matches creation order, which keyset pagination relies on as its tie-break.
 */
export const ID_PREFIXES = {
  organization: 'org',
  brand: 'brand',
  apiKey: 'key',
  post: 'post',
  campaign: 'cmp',
  account: 'acct',
  media: 'med',
  job: 'job',
  webhook: 'whk',
  event: 'evt',
  plan: 'plan',
  delivery: 'dlv',
  comment: 'cmt',
  user: 'usr',
  membership: 'mem',
  session: 'ses',
  invitation: 'inv',
  passwordReset: 'pwr',
  recoveryCode: 'rcv',
  audit: 'aud',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
let lastTime = -1;
let lastRandom: number[] = [];

function encodeTime(ms: number): string {
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[ms % 32] + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

function freshRandom(): number[] {
  const bytes = randomPoolBytes(16);
  return Array.from(bytes, (b) => b % 32);
}

function increment(random: number[]): number[] {
  const next = random.slice();
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i]! < 31) {
      next[i]!++;
      return next;
    }
    next[i] = 0;
  }
  return freshRandom();
}

export function ulid(now = Date.now()): string {
  if (now <= lastTime) {
    lastRandom = increment(lastRandom);
    now = lastTime;
  } else {
    lastTime = now;
    lastRandom = freshRandom();
  }
  return encodeTime(now) + lastRandom.map((n) => ALPHABET[n]).join('');
}

export function newId(kind: IdKind, now?: number): string {
  return `${ID_PREFIXES[kind]}_${ulid(now)}`;
}

/**
 * The lowest id of `kind` made at `time` (epoch ms): every id made earlier sorts below it, every id
 * made at or after `time` at or above it. Lets a retention sweep walk the primary key by age.
 */
export function idBoundary(kind: IdKind, time: number): string {
  return `${ID_PREFIXES[kind]}_${encodeTime(Math.max(0, Math.floor(time)))}`;
}

const ID_BODY = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** True when `id` has the shape of an id of `kind` (cheap check before a lookup). */
export function isId(kind: IdKind, id: string): boolean {
  const prefix = `${ID_PREFIXES[kind]}_`;
  return id.startsWith(prefix) && ID_BODY.test(id.slice(prefix.length));
}
