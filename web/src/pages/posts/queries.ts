import { useQuery } from '@tanstack/react-query';
import { client } from '../../api/client';

/** Queries the composer and the post page share. */

/** The items of `ids`, in that order (a post's media, for the composer's list and preview). */
export function useMediaItems(ids: readonly string[]) {
  return useQuery({
    queryKey: ['media', 'items', ids],
    queryFn: () => Promise.all(ids.map((id) => client.media.retrieve(id))),
    enabled: ids.length > 0,
  });
}
