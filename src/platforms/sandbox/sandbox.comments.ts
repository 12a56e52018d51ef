import type {
  FetchCommentsRequest,
  PlatformComment,
  ReplyToCommentRequest,
  ReplyToCommentResult,
} from '../connector.js';
import { digitsFrom } from './sandbox.ids.js';

/**
 * Synthetic comments for the sandbox: a pure function of the post id and its age, so every sync of the
 * same post at the same time sees the same comments, and a later sync sees those plus new ones. Comment
 * `n` (0-based) arrives `n² + n` minutes after publishing (0, 2, 6, 12 … minutes), at most
 * {@link SANDBOX_MAX_COMMENTS}; every fourth one answers the comment before it.
 */
export const SANDBOX_MAX_COMMENTS = 40;

const AUTHORS = [
  { name: 'Ada Lovelace', handle: 'ada' },
  { name: 'Grace Hopper', handle: 'grace' },
  { name: 'Alan Turing', handle: 'alan' },
  { name: 'Katherine Johnson', handle: 'katherine' },
  { name: 'Linus Pauling', handle: 'linus' },
];
const TEXTS = [
  'Love this!',
  'Where can I find out more?',
  'Great post, thanks for sharing.',
  'Is this available in Europe?',
  'This made my day 🙌',
  'How much does it cost?',
];

function commentId(postId: string, index: number): string {
  return `sbxc_${digitsFrom(`comment:${postId}:${index}`, 17)}`;
}

export function sandboxComments(request: FetchCommentsRequest, now: number): PlatformComment[] {
  const minutes = Math.max(0, (now - request.publishedAt) / 60_000);
  const out: PlatformComment[] = [];
  for (let n = 0; n < SANDBOX_MAX_COMMENTS && n * n + n <= minutes; n++) {
    const seed = Number(digitsFrom(`author:${request.platformPostId}:${n}`, 4));
    const author = AUTHORS[seed % AUTHORS.length]!;
    out.push({
      platformCommentId: commentId(request.platformPostId, n),
      parentPlatformCommentId: n > 0 && n % 4 === 3 ? commentId(request.platformPostId, n - 1) : null,
      authorId: `sbxu_${digitsFrom(`user:${author.handle}`, 10)}`,
      authorName: author.name,
      authorHandle: author.handle,
      text: TEXTS[(seed + n) % TEXTS.length]!,
      createdAt: request.publishedAt + (n * n + n) * 60_000,
    });
  }
  return out;
}

/** Deterministic per comment and text: the same reply retried gets the same id (the sync dedupes it). */
export function sandboxReply(request: ReplyToCommentRequest, now: number): ReplyToCommentResult {
  return {
    platformCommentId: `sbxc_${digitsFrom(`reply:${request.platformCommentId}:${request.text}`, 17)}`,
    createdAt: now,
  };
}
