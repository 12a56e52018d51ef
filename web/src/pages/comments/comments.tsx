import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import type { Comment, Post } from '@audenci/sdk-js';
import { client } from '../../api/client';
import { listAll } from '../../api/lists';
import { postsByIds } from '../../api/posts';
import { toProblem } from '../../api/problem';
import { Badge } from '../../components/badge';
import { Form, FormAlert, SubmitButton } from '../../components/form';
import { formatDateTime, formatRelative } from '../../components/format';
import { Empty, QueryView } from '../../components/states';
import { TextAreaField } from '../../components/textarea-field';
import './comments.css';
import { platformNamer, platformsQuery } from '../../api/platforms';
import { BrandSelect } from '../../components/brand-select';
import { brandsQuery } from '../../api/brands';
import { PlatformSelect } from '../../components/platform-select';

/** The newest comments the inbox holds: enough for a day's conversation, threaded in the browser. */
const INBOX_SIZE = 200;

function authorOf(comment: Comment): string {
  const { name, handle } = comment.author;
  if (name && handle) return `${name} (@${handle})`;
  return name ?? (handle ? `@${handle}` : 'Someone');
}

function excerpt(text: string, length = 90): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > length ? `${flat.slice(0, length - 1)}…` : flat;
}

/** A comment's threads: those that answer nothing in the list are the inbox's items, the rest under them. */
function threads(comments: Comment[]) {
  const ids = new Set(comments.map((c) => c.id));
  const replies = new Map<string, Comment[]>();
  for (const c of comments) {
    if (c.parentId && ids.has(c.parentId)) replies.set(c.parentId, [...(replies.get(c.parentId) ?? []), c]);
  }
  for (const list of replies.values()) list.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const roots = comments.filter((c) => !c.parentId || !ids.has(c.parentId));
  return { roots, replies };
}

/** The reply form of one comment: sent through the platform as the post's account. */
function ReplyForm({ comment, onDone }: { comment: Comment; onDone: () => void }) {
  const queryClient = useQueryClient();
  const [text, setText] = useState('');
  const [error, setError] = useState<string>();
  const send = useMutation({
    mutationFn: () => client.comments.reply(comment.id, { text: text.trim() }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['comments'] });
      onDone();
    },
  });
  const problem = send.error ? toProblem(send.error) : undefined;
  const submit = () => {
    if (!text.trim()) return setError('Write a reply first.');
    setError(undefined);
    send.mutate();
  };
  return (
    <Form onSubmit={submit} label={`Reply to ${authorOf(comment)}`}>
      <FormAlert message={problem && problem.field !== 'text' ? problem.message : undefined} />
      <TextAreaField
        label={`Your reply to ${authorOf(comment)}`}
        name="text"
        rows={2}
        maxLength={2200}
        autoFocus
        value={text}
        error={error ?? (problem?.field === 'text' ? problem.reason : undefined)}
        onChange={(e) => setText(e.target.value)}
      />
      <div className="comment__actions">
        <button type="button" className="button button--secondary button--small" onClick={onDone}>
          Cancel
        </button>
        <SubmitButton label="Send reply" pendingLabel="Sending…" pending={send.isPending} />
      </div>
    </Form>
  );
}

function CommentItem({
  comment,
  replies,
  post,
  platformName,
}: {
  comment: Comment;
  replies: Comment[];
  post: Post | undefined;
  platformName: (p: string) => string;
}) {
  const [replying, setReplying] = useState(false);
  const who = authorOf(comment);
  return (
    <li className="comment">
      <article aria-label={`Comment by ${who}`}>
        <p className="comment__meta">
          <Badge tone="info">{platformName(comment.platform)}</Badge> <strong>{who}</strong>{' '}
          <time dateTime={comment.createdAt} title={formatDateTime(comment.createdAt)}>
            {formatRelative(comment.createdAt)}
          </time>
          {comment.own ? <Badge tone="accent">Your account</Badge> : null}
          {comment.repliedAt && !comment.own ? <Badge tone="success">Replied</Badge> : null}
        </p>
        <p className="comment__text">{comment.text}</p>
        <p className="comment__post">
          On{' '}
          <Link to="/posts/$postId" params={{ postId: comment.postId }}>
            {post ? `“${excerpt(post.caption)}”` : 'the post'}
          </Link>
        </p>
        {replies.length ? (
          <ul className="comment__replies" aria-label={`Replies to ${who}`}>
            {replies.map((reply) => (
              <li key={reply.id} className={`comment__reply${reply.own ? ' comment__reply--own' : ''}`}>
                <p className="comment__meta">
                  <strong>{reply.own ? 'You' : authorOf(reply)}</strong>{' '}
                  <time dateTime={reply.createdAt} title={formatDateTime(reply.createdAt)}>
                    {formatRelative(reply.createdAt)}
                  </time>
                </p>
                <p className="comment__text">{reply.text}</p>
              </li>
            ))}
          </ul>
        ) : null}
        {replying ? (
          <ReplyForm comment={comment} onDone={() => setReplying(false)} />
        ) : comment.own ? null : (
          <button
            type="button"
            className="button button--secondary button--small"
            aria-label={`Reply to ${who}`}
            onClick={() => setReplying(true)}
          >
            Reply
          </button>
        )}
      </article>
    </li>
  );
}

/** Recent comments across the published posts, newest first, each answerable in place. */
export function CommentsPage() {
  const [brandId, setBrandId] = useState('');
  const [platform, setPlatform] = useState('');
  const comments = useQuery({
    queryKey: ['comments', 'inbox', brandId, platform],
    queryFn: () =>
      listAll(
        client.comments.list({
          limit: 100,
          sortBy: 'createdAt',
          sortOrder: 'desc',
          ...(brandId ? { brandId } : {}),
          ...(platform ? { platform } : {}),
        }),
        INBOX_SIZE,
      ),
  });
  const brands = useQuery(brandsQuery);
  const platforms = useQuery(platformsQuery);
  const postIds = [...new Set((comments.data?.items ?? []).map((c) => c.postId))].sort();
  // The commented posts in one request per hundred (`GET /posts?ids=`), not one per post.
  const posts = useQuery({
    queryKey: ['posts', 'by-ids', postIds],
    enabled: postIds.length > 0,
    staleTime: 60_000,
    queryFn: () => postsByIds(postIds),
  });
  const postOf = (id: string) => posts.data?.get(id);
  const platformName = platformNamer(platforms.data);

  return (
    <section className="page" aria-labelledby="comments-title">
      <header className="page__header">
        <h1 id="comments-title">Comments</h1>
        <p className="page__lead">
          Comments on your published posts, newest first, as the platforms report them. A reply is posted on
          the platform as the account that published the post.
        </p>
      </header>
      <div className="comments-filters">
        <BrandSelect
          brands={brands.data?.items ?? []}
          none="All brands"
          name="brand"
          value={brandId}
          onChange={(e) => setBrandId(e.target.value)}
        />
        <PlatformSelect name="platform" value={platform} onChange={(e) => setPlatform(e.target.value)} />
      </div>
      <QueryView query={comments} loading="Loading comments…">
        {({ items, more }) => {
          if (items.length === 0)
            return (
              <Empty title={brandId || platform ? 'No comments match' : 'No comments yet'}>
                Comments appear here once your published posts receive them; they are collected a few minutes
                after publishing and regularly after.
              </Empty>
            );
          const { roots, replies } = threads(items);
          return (
            <>
              <ul className="comments" aria-label="Comments, newest first">
                {roots.map((comment) => (
                  <CommentItem
                    key={comment.id}
                    comment={comment}
                    replies={replies.get(comment.id) ?? []}
                    post={postOf(comment.postId)}
                    platformName={platformName}
                  />
                ))}
              </ul>
              {more ? (
                <p className="muted">
                  The {INBOX_SIZE} newest comments are shown; choose a brand or platform to see others.
                </p>
              ) : null}
            </>
          );
        }}
      </QueryView>
    </section>
  );
}
