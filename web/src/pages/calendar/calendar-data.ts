import { useMutation, useQuery, useQueryClient, type QueryKey } from '@tanstack/react-query';
import { APIError, type Post } from '@audenci/sdk-js';
import { client } from '../../api/client';
import { listAll } from '../../api/lists';
import { toProblem } from '../../api/problem';

import type { Platform } from '../../api/platforms';
import type { PostStatus } from '../../components/post-status';

/** The filters the calendar and the list share (the URL's `brand`, `platform`, `campaign`, `status`). */
export interface PostFilters {
  brandId?: string;
  platform?: Platform;
  campaignId?: string;
  status?: PostStatus;
}

/** Most posts a calendar range loads (ten pages of 100); beyond it the page says the view is cut short. */
const MAX_POSTS = 1000;

/**
 * The posts dated in [start, end) matching the filters, every page of them, oldest first. The key starts
 * with `posts`, so the live-updates layer refreshes it when a post changes.
 */
export function postsInRangeKey(range: { start: number; end: number }, filters: PostFilters): QueryKey {
  return ['posts', 'calendar', range.start, range.end, filters];
}

export function usePostsInRange(range: { start: number; end: number }, filters: PostFilters) {
  return useQuery({
    queryKey: postsInRangeKey(range, filters),
    queryFn: () =>
      listAll(
        client.posts.list({
          ...filters,
          startDate: new Date(range.start).toISOString(),
          endDate: new Date(range.end).toISOString(),
          sortBy: 'date',
          sortOrder: 'asc',
          limit: 100,
        }),
        MAX_POSTS,
      ),
  });
}

/** Drafts without a time: the tray beside the calendar (a draft's date is then its creation). */
export function useUnscheduledDrafts(filters: PostFilters, enabled: boolean) {
  const { status: _status, ...rest } = filters;
  return useQuery({
    queryKey: ['posts', 'unscheduled', rest],
    enabled,
    queryFn: async () => {
      const { items, more } = await listAll(
        client.posts.list({ ...rest, status: 'DRAFT', sortBy: 'createdAt', sortOrder: 'desc', limit: 100 }),
        300,
      );
      return { items: items.filter((p) => p.scheduledFor === null), more };
    },
  });
}

/** Only drafts and scheduled posts can be moved; the others are published, on their way, or cancelled. */
export const isMovable = (post: Post) => post.status === 'DRAFT' || post.status === 'SCHEDULED';

/**
 * An API error as one sentence for a failed move: a refused time in words, else the message and every
 * field problem the envelope lists (`details.errors`) that it does not already say.
 */
export function moveProblem(error: unknown): string {
  const problem = toProblem(error);
  // A refused time in words ("the new time must be in the future"), not as the API names the field.
  if (problem.field === 'scheduledFor' && problem.reason) {
    const reason = problem.reason;
    return /^must\b/i.test(reason)
      ? `the new time ${reason.charAt(0).toLowerCase()}${reason.slice(1)}`
      : `the new time: ${reason}`;
  }
  const errors = error instanceof APIError ? error.details?.errors : undefined;
  const extra = Array.isArray(errors)
    ? errors
        .map((e: { field?: unknown; reason?: unknown }) =>
          typeof e.reason === 'string'
            ? `${typeof e.field === 'string' ? `${e.field}: ` : ''}${e.reason}`
            : '',
        )
        .filter((text) => text && !problem.message.toLowerCase().includes(text.toLowerCase()))
    : [];
  return [problem.message, ...extra].join('; ');
}

export interface Move {
  post: Post;
  /** The new `scheduledFor`. */
  to: number;
  /** A draft dropped from the tray is scheduled; a draft already on the calendar stays a draft. */
  schedule: boolean;
}

type RangeData = { items: Post[]; more: boolean };

/**
 * Moves a post to another time (`PATCH /posts/{id}`, only `scheduledFor`, and `status: SCHEDULED` for a
 * draft being scheduled). The card moves at once; on failure it goes back where it was and `onFailed`
 * gets the API's message.
 */
export function useMovePost(
  calendarKey: QueryKey,
  { onMoved, onFailed }: { onMoved: (post: Post) => void; onFailed: (message: string, post: Post) => void },
) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ post, to, schedule }: Move) =>
      client.posts.update(post.id, {
        scheduledFor: new Date(to).toISOString(),
        ...(schedule ? { status: 'SCHEDULED' as const } : {}),
      }),
    onMutate: async ({ post, to }) => {
      await queryClient.cancelQueries({ queryKey: calendarKey });
      const before = queryClient.getQueryData<RangeData>(calendarKey);
      const moved = { ...post, scheduledFor: new Date(to).toISOString() };
      queryClient.setQueryData<RangeData>(calendarKey, (data) =>
        data
          ? {
              ...data,
              items: [...data.items.filter((p) => p.id !== post.id), moved],
            }
          : data,
      );
      return { before };
    },
    onError: (error, { post }, context) => {
      queryClient.setQueryData(calendarKey, context?.before);
      onFailed(moveProblem(error), post);
    },
    onSuccess: (post) => onMoved(post),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['posts'] }),
  });
}
