import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from '@tanstack/react-router';
import type { Brand, Comment, Post } from '@audenci/sdk-js';
import { client } from '../../api/client';
import { listAll } from '../../api/lists';
import { toProblem } from '../../api/problem';
import { platformsQuery } from '../../api/platforms';
import { PostStatusBadge } from '../../components/post-status';
import { ConfirmButton } from '../../components/confirm-button';
import { formatDateTime } from '../../components/format';
import { Empty, QueryView } from '../../components/states';
import { brandsQuery } from '../../api/brands';
import { useMediaItems } from './queries';
import { PostPreview, RichText } from './post-preview';
import { formatInZone, instantToZoned } from '../../components/zoned-time';
import './posts.css';

/** The post's comments as the platform reported them (`GET /posts/{id}/comments`), replies indented. */
function Comments({ postId }: { postId: string }) {
  const comments = useQuery({
    queryKey: ['comments', 'post', postId],
    queryFn: () => listAll(client.comments.listForPost(postId, { limit: 100 }), 300),
  });
  return (
    <section className="panel" aria-labelledby="post-comments-title">
      <h2 id="post-comments-title" className="composer__section-title">
        Comments
      </h2>
      <QueryView query={comments} loading="Loading comments…">
        {({ items, more }) =>
          items.length === 0 ? (
            <Empty title="No comments yet">Comments appear here once the platform reports them.</Empty>
          ) : (
            <>
              <ul className="post-comments">
                {items.map((c: Comment) => (
                  <li
                    key={c.id}
                    className={`post-comments__item${c.parentId ? ' post-comments__item--reply' : ''}`}
                  >
                    <span className="post-comments__meta">
                      <strong>{c.author.name ?? c.author.handle ?? 'Someone'}</strong>
                      {c.author.handle ? ` @${c.author.handle}` : ''} · {formatDateTime(c.createdAt)}
                      {c.own ? ' · you' : ''}
                    </span>
                    <span>{c.text}</span>
                  </li>
                ))}
              </ul>
              {more ? <p className="muted">Only the first 300 comments are shown.</p> : null}
            </>
          )
        }
      </QueryView>
    </section>
  );
}

function when(post: Post, brand: Brand | undefined): string {
  const tz = brand?.timezone;
  const at = (iso: string) => (tz ? formatInZone(iso, tz) : formatDateTime(iso));
  if (post.publishedAt) return `Published ${at(post.publishedAt)}`;
  if (post.scheduledFor)
    return `${post.status === 'SCHEDULED' ? 'Scheduled for' : 'Planned for'} ${at(post.scheduledFor)}`;
  return 'Not scheduled';
}

/**
 * The calendar's day (`YYYY-MM-DD`) of a post with a time, in the brand's zone as the calendar shows it:
 * the calendar places a post at its `scheduledFor`, else its `publishedAt`.
 */
function calendarDay(post: Post, brand: Brand): string | undefined {
  const at = post.scheduledFor ?? post.publishedAt;
  if (!at) return undefined;
  try {
    return instantToZoned(at, brand.timezone).slice(0, 10);
  } catch {
    // A zone this browser does not know: the calendar falls back to the browser's own zone too.
    return instantToZoned(at, Intl.DateTimeFormat().resolvedOptions().timeZone).slice(0, 10);
  }
}

/** " · See in calendar": the week of the post's day, for its brand (nothing for a post without a time). */
function CalendarLink({ post, brand }: { post: Post; brand: Brand | undefined }) {
  const day = brand ? calendarDay(post, brand) : undefined;
  if (!day) return null;
  return (
    <>
      {' · '}
      <Link to="/calendar" search={{ view: 'week', date: day, brand: post.brandId }}>
        See in calendar
      </Link>
    </>
  );
}

/** What can be done to the post in its state: edit, publish now, cancel, delete. */
function Actions({ post }: { post: Post }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['posts'] });
  const publish = useMutation({ mutationFn: () => client.posts.publish(post.id), onSettled: refresh });
  const editable = post.status === 'DRAFT' || post.status === 'SCHEDULED';
  const publishable = editable || post.status === 'FAILED';
  return (
    <div className="post-view__actions-wrap">
      <div className="post-view__actions">
        {editable ? (
          <Link to="/compose" search={{ post: post.id }} className="button button--primary">
            Edit
          </Link>
        ) : null}
        {publishable ? (
          <button
            type="button"
            className="button button--secondary"
            disabled={publish.isPending}
            onClick={() => publish.mutate()}
          >
            {publish.isPending
              ? 'Publishing…'
              : post.status === 'FAILED'
                ? 'Retry publishing'
                : 'Publish now'}
          </button>
        ) : null}
        {editable ? (
          <ConfirmButton
            label="Cancel post"
            title="Cancel this post?"
            confirmLabel="Cancel post"
            buttonClass="button button--secondary"
            onConfirm={async () => {
              await client.posts.update(post.id, { status: 'CANCELLED' });
              await refresh();
            }}
          >
            It will not be published. The post stays here, cancelled, and can be deleted later.
          </ConfirmButton>
        ) : null}
        {post.status !== 'PUBLISHING' ? (
          <ConfirmButton
            label="Delete"
            title="Delete this post?"
            confirmLabel="Delete post"
            buttonClass="button button--danger-outline"
            onConfirm={async () => {
              await client.posts.delete(post.id);
              queryClient.removeQueries({ queryKey: ['posts', post.id] });
              await refresh();
              await navigate({ to: '/calendar' });
            }}
          >
            {post.status === 'PUBLISHED'
              ? 'It is removed from Audenci; the post stays on the platform.'
              : 'It is removed for good and will not be published.'}
          </ConfirmButton>
        ) : null}
      </div>
      {publish.isError ? (
        <div className="alert alert--error" role="alert">
          {toProblem(publish.error).message}
        </div>
      ) : null}
    </div>
  );
}

/** One post: its state, text, media and time in the brand's zone, what can be done to it, its comments. */
export function PostPage() {
  const { postId } = useParams({ from: '/signed-in/posts/$postId' });
  const post = useQuery({
    queryKey: ['posts', postId],
    queryFn: () => client.posts.retrieve(postId),
    // The event stream refreshes the post when it is published or fails; asking again while it publishes
    // covers a stream that is down.
    refetchInterval: (query) => (query.state.data?.status === 'PUBLISHING' ? 3000 : false),
  });
  const brands = useQuery(brandsQuery);
  const platforms = useQuery(platformsQuery);
  const media = useMediaItems(post.data?.mediaIds ?? []);
  const brand = brands.data?.items.find((b) => b.id === post.data?.brandId);
  const platform = platforms.data?.find((p) => p.platform === post.data?.platform);
  return (
    <section className="page" aria-labelledby="post-title">
      <header className="page__header">
        <div className="page__heading">
          <p className="page__eyebrow">
            <Link to="/calendar">Calendar</Link>
          </p>
          <h1 id="post-title">
            {platform?.displayName ?? post.data?.platform ?? 'Post'} post
            {brand ? ` for ${brand.name}` : ''}
          </h1>
        </div>
      </header>
      <QueryView query={post} loading="Loading the post…">
        {(p) => (
          <div className="post-view">
            <div className="post-view__main">
              <section className="panel" aria-labelledby="post-state-title">
                <h2 id="post-state-title" className="visually-hidden">
                  State
                </h2>
                <p>
                  <PostStatusBadge status={p.status} /> <span>{when(p, brand)}</span>
                  <CalendarLink post={p} brand={brand} />
                </p>
                {p.status === 'FAILED' && p.error ? (
                  <div className="alert alert--error" role="alert">
                    Publishing failed: {p.error.message} <code>{p.error.code}</code>
                  </div>
                ) : null}
                {p.status === 'PUBLISHED' && p.platformUrl ? (
                  <p>
                    <a href={p.platformUrl} target="_blank" rel="noreferrer">
                      View on {platform?.displayName ?? p.platform}
                    </a>
                    {' · '}
                    <Link to="/analytics/posts/$postId" params={{ postId: p.id }}>
                      Post analytics
                    </Link>
                  </p>
                ) : null}
                <Actions post={p} />
              </section>
              <section className="panel" aria-labelledby="post-content-title">
                <h2 id="post-content-title" className="composer__section-title">
                  Content
                </h2>
                <p className="post-view__caption">
                  {p.caption ? <RichText text={p.caption} /> : <span className="muted">No caption</span>}
                </p>
                {p.link ? (
                  <p>
                    Link: <a href={p.link}>{p.link}</a>
                  </p>
                ) : null}
                {p.firstComment ? (
                  <p>
                    First comment: <RichText text={p.firstComment} />
                  </p>
                ) : null}
                {p.mediaIds.length > 0 ? (
                  <QueryView query={media} loading="Loading media…">
                    {(items) => (
                      <ul className="post-view__media" aria-label="Media">
                        {items.map((m) => (
                          <li key={m.id}>
                            {m.type === 'video' ? (
                              <span>{m.filename ?? 'Video'}</span>
                            ) : (
                              <img src={m.thumbnailUrl ?? m.url} alt={m.filename ?? 'Attached image'} />
                            )}
                          </li>
                        ))}
                      </ul>
                    )}
                  </QueryView>
                ) : null}
              </section>
              <Comments postId={p.id} />
            </div>
            <aside className="post-view__side" aria-label="Preview">
              <section className="panel" aria-labelledby="post-preview-title">
                <h2 id="post-preview-title" className="composer__section-title">
                  Preview
                </h2>
                <PostPreview
                  platform={p.platform}
                  name={brand?.name ?? 'Brand'}
                  caption={p.caption}
                  media={media.data ?? []}
                  link={p.link ?? undefined}
                  firstComment={p.firstComment ?? undefined}
                />
              </section>
            </aside>
          </div>
        )}
      </QueryView>
    </section>
  );
}
