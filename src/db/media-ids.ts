import { sql, type RawBuilder } from 'kysely';

/**
 * Whether a row's `media_ids` (a JSON array of media ids in a text column, on both databases) holds
 * `mediaId`. `replace` is exact and case-sensitive on both dialects, where LIKE would read the `_` of
 * every `med_…` id as a wildcard and, on SQLite, ignore case: the row holds the id when removing the
 * quoted id changes the text.
 */
export function holdsMediaId(mediaId: string): RawBuilder<boolean> {
  const quoted = JSON.stringify(mediaId);
  return sql<boolean>`replace(media_ids, ${quoted}, '') <> media_ids`;
}
