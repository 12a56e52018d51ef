/**
 * How deeply JSON from outside may nest objects and arrays. The value at the top of a document is level
 * 1, so `{"metadata": {"a": [1]}}` nests 3 levels. Everything that walks a parsed value (JSON.stringify,
 * the idempotency fingerprint, schema and size checks) recurses once per level, so a document nested
 * tens of thousands of levels deep would overflow the stack there; it is refused before it is parsed.
 * 32 leaves a post's `metadata` 27 levels of its own even inside a `posts.import` job payload.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * True when the JSON text `text` nests objects and arrays more than `max` levels deep. One linear scan
 * that skips string contents and stops at the first level too deep; it never recurses and never
 * parses, so it is safe on any input, and cheap (a few ms a MiB, a quarter of what parsing costs).
 * Text that is not JSON gives no reliable answer, which does not matter: the parse that follows
 * rejects it.
 */
export function jsonNestsDeeperThan(text: string, max: number = MAX_JSON_DEPTH): boolean {
  if (text.length <= max) return false;
  let depth = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: skip to its closing quote, stepping over escapes (`\"` and `\\`).
      for (i++; i < length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

/** The sentence every refusal uses, so the limit reads the same in an API answer and in a CSV cell. */
export function jsonDepthReason(max: number = MAX_JSON_DEPTH): string {
  return `JSON may nest objects and arrays at most ${max} levels deep`;
}
