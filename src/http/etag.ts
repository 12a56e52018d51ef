/**
 * True when an `If-None-Match` list holds the tag: weak comparison (RFC 9110 §13.1.2), so `W/"x"` matches
 * `"x"`, and `*` matches any current representation.
 */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const bare = etag.replace(/^W\//, '');
  return header
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === '*' || t === bare);
}
