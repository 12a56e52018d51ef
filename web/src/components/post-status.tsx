import type { Post } from '@audenci/sdk-js';
import { Badge, type BadgeTone } from './badge';

export type PostStatus = Post['status'];

/** A post's status as a word and a colour, one place for every page that shows it. */
const STATUS: Record<PostStatus, { word: string; tone: BadgeTone }> = {
  DRAFT: { word: 'Draft', tone: 'neutral' },
  SCHEDULED: { word: 'Scheduled', tone: 'info' },
  PUBLISHING: { word: 'Publishing', tone: 'accent' },
  PUBLISHED: { word: 'Published', tone: 'success' },
  FAILED: { word: 'Failed', tone: 'danger' },
  CANCELLED: { word: 'Cancelled', tone: 'warning' },
};

/** The statuses in the API's order (a status filter's options). */
export const POST_STATUSES = Object.keys(STATUS) as PostStatus[];

export function isPostStatus(value: string | undefined): value is PostStatus {
  return value !== undefined && Object.hasOwn(STATUS, value);
}

/** `Scheduled` for `SCHEDULED`. */
export function postStatusWord(status: PostStatus): string {
  return STATUS[status].word;
}

/** The status as a word in its colour: the word carries the meaning. */
export function PostStatusBadge({ status }: { status: PostStatus }) {
  return <Badge tone={STATUS[status].tone}>{STATUS[status].word}</Badge>;
}
