import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Opaque keyset cursors. A cursor carries the sort it was made with, a fingerprint of the filters, the
 * last row's sort value and id, and the page number it leads to; it is signed, so a tampered cursor or
 * one reused with other filters is detected rather than silently returning wrong rows.
 */
export interface CursorState {
  /** sortBy */
  s: string;
  /** sortOrder */
  o: 'asc' | 'desc';
  /** fingerprint of the filters */
  f: string;
  /** sort value of the last row returned */
  v: string | number | null;
  /** id of the last row returned */
  i: string;
  /** the page this cursor leads to */
  p: number;
}

/** Memo tables here hold at most this many entries; a full one starts over. */
const MEMO_MAX = 1024;

function remember<T>(memo: Map<string, T>, key: string, value: T): T {
  if (memo.size >= MEMO_MAX) memo.clear();
  memo.set(key, value);
  return value;
}

export class CursorCodec {
  /**
   * The cursors made lately, by their body: the first page of a list asked again and again makes the same
   * cursor, and its HMAC (~2 µs) need not be computed again. Only `encode` fills and reads it: a cursor a
   * client sends is always verified by computing its HMAC.
   */
  private readonly made = new Map<string, string>();

  /** `previous`: keys of an ongoing secret-key rotation, whose cursors are still accepted. */
  constructor(
    private readonly secret: Buffer,
    private readonly previous: readonly Buffer[] = [],
  ) {}

  private sign(body: string, secret = this.secret): string {
    return createHmac('sha256', secret).update(body).digest('base64url').slice(0, 22);
  }

  encode(state: CursorState): string {
    const body = Buffer.from(JSON.stringify(state)).toString('base64url');
    return this.made.get(body) ?? remember(this.made, body, `${body}.${this.sign(body)}`);
  }

  /** The state, or `undefined` for anything that was not made by `encode` with this secret. */
  decode(cursor: string): CursorState | undefined {
    const [body, signature, rest] = cursor.split('.');
    if (!body || !signature || rest !== undefined) return undefined;
    const given = Buffer.from(signature);
    const signedBy = (secret: Buffer) => {
      const expected = Buffer.from(this.sign(body, secret));
      return expected.length === given.length && timingSafeEqual(expected, given);
    };
    if (!signedBy(this.secret) && !this.previous.some(signedBy)) return undefined;
    try {
      const state = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as CursorState;
      if (typeof state.s !== 'string' || typeof state.i !== 'string' || !Number.isInteger(state.p))
        return undefined;
      return state;
    } catch {
      return undefined;
    }
  }
}

/** Fingerprints made lately, by their canonical filters: a list asked again has the same. */
const fingerprints = new Map<string, string>();

/** A stable fingerprint of a filter object (key order and undefined values do not matter). */
export function fingerprint(filters: Record<string, unknown>): string {
  const keys = Object.keys(filters)
    .filter((k) => filters[k] !== undefined)
    .sort();
  const canonical = JSON.stringify(keys.map((k) => [k, filters[k]]));
  return (
    fingerprints.get(canonical) ??
    remember(
      fingerprints,
      canonical,
      createHmac('sha256', 'audenci-filters').update(canonical).digest('base64url').slice(0, 16),
    )
  );
}
