import type { QueryClient } from '@tanstack/react-query';
import type { Event, EventType } from '@audenci/sdk-js';

/** A page's interest in the stream: `handler` for each event of `types` (all when absent). */
export interface LiveSubscriber {
  handler: (event: Event) => void;
  types?: readonly EventType[];
}

/**
 * The first elements of the query keys an event makes stale: every query key starts with the plural
 * of its resource as the API spells it (docs/web-app.md, "Live updates").
 */
export function staleKeys(type: string): string[] {
  const keys = ['events'];
  const [resource] = type.split('.');
  if (resource === 'post') keys.push('posts', 'analytics');
  else if (resource === 'job') keys.push('jobs');
  else if (resource === 'comment') keys.push('comments');
  else if (resource === 'campaign') keys.push('campaigns');
  return keys;
}

/** Marks the queries an event changes as stale: those on screen refetch, the others on their next use. */
export function invalidateFor(queryClient: QueryClient, event: Event): void {
  for (const key of staleKeys(event.type)) void queryClient.invalidateQueries({ queryKey: [key] });
}

/** What a toast says: a title, maybe a line more, maybe a link to the object. */
export interface ToastContent {
  tone: 'success' | 'danger' | 'info';
  title: string;
  detail?: string;
  /**
   * Toasts of one kind coming while the last is still shown (a bulk publish) become one: "12 posts
   * published", without a link, rather than a pile.
   */
  group?: { key: string; many: (count: number) => string };
  link?:
    | { to: '/posts/$postId'; params: { postId: string }; label: string }
    | {
        to: '/jobs/$jobId';
        params: { jobId: string };
        label: string;
      };
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);

/** The toast an event deserves, if any: a post published or failed, a job finished or failed. */
export function toastFor(event: Event): ToastContent | undefined {
  const data = event.data as Record<string, unknown>;
  const id = text(data.id);
  if (!id) return undefined;
  switch (event.type) {
    case 'post.published':
      return {
        tone: 'success',
        title: 'Post published',
        group: { key: 'post.published', many: (n) => `${n} posts published` },
        link: { to: '/posts/$postId', params: { postId: id }, label: 'View post' },
      };
    case 'post.failed': {
      const error = data.error as { message?: unknown; code?: unknown } | null | undefined;
      return {
        tone: 'danger',
        title: `Post failed: ${text(error?.message) ?? text(error?.code) ?? 'the platform refused it'}`,
        group: { key: 'post.failed', many: (n) => `${n} posts failed` },
        link: { to: '/posts/$postId', params: { postId: id }, label: 'View post' },
      };
    }
    case 'job.completed':
      return {
        tone: 'success',
        title: 'Job finished',
        group: { key: 'job.completed', many: (n) => `${n} jobs finished` },
        detail: text(data.type),
        link: { to: '/jobs/$jobId', params: { jobId: id }, label: 'View job' },
      };
    case 'job.failed':
      return {
        tone: 'danger',
        title: 'Job failed',
        group: { key: 'job.failed', many: (n) => `${n} jobs failed` },
        detail: text(data.type),
        link: { to: '/jobs/$jobId', params: { jobId: id }, label: 'View job' },
      };
    default:
      return undefined;
  }
}
