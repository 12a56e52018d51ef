import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import type { Brand, Media, Post, PostReplaceParams } from '@audenci/sdk-js';
import { client } from '../../api/client';
import type { ComposerStart } from './composer';
import { zonedToInstant } from '../../components/zoned-time';

/** What the composer's buttons do: save a draft, schedule, or save then publish at once. */
export type Action = 'draft' | 'schedule' | 'publish';

/** The whole post as the form holds it, for `POST /posts` or `PUT /posts/{id}`. */
export function postBody(
  action: Action,
  values: ComposerStart,
  media: Media[],
  brand: Brand,
  post: Post | undefined,
): PostReplaceParams {
  const instant = values.at ? zonedToInstant(values.at, brand.timezone) : undefined;
  return {
    brandId: brand.id,
    platform: values.platform,
    socialAccountId: values.socialAccountId || null,
    caption: values.caption,
    mediaIds: media.map((m) => m.id),
    link: values.link.trim() || null,
    firstComment: values.firstComment.trim() ? values.firstComment : null,
    campaignId: values.campaignId,
    // Publishing now needs no time (a past one would be refused).
    scheduledFor: action === 'publish' ? null : (instant?.toISOString() ?? null),
    metadata: post?.metadata ?? {},
    status: action === 'schedule' ? 'SCHEDULED' : 'DRAFT',
  };
}

/**
 * Saves the post (created, or replaced whole when editing) and, for Publish now, publishes it; then opens
 * its page. A post saved by a Publish that then failed is replaced by the next attempt, not duplicated.
 */
export function useSavePost(post: Post | undefined) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [savedId, setSavedId] = useState(post?.id);
  return useMutation({
    mutationFn: async ({ action, body }: { action: Action; body: PostReplaceParams }) => {
      const saved = savedId
        ? await client.posts.replace(savedId, body)
        : await client.posts.create({ ...body, status: action === 'schedule' ? 'SCHEDULED' : 'DRAFT' });
      setSavedId(saved.id);
      if (action === 'publish') await client.posts.publish(saved.id);
      return saved;
    },
    onSuccess: async (saved) => {
      await queryClient.invalidateQueries({ queryKey: ['posts'] });
      await navigate({ to: '/posts/$postId', params: { postId: saved.id } });
    },
  });
}

/**
 * Save draft, Schedule, Publish now. The last two are off while `blocked` says why (a broken rule, the
 * check still running); the reason stands above them and describes them.
 */
export function ComposerActions({
  blocked,
  pending,
  post,
  onAction,
}: {
  blocked: string | undefined;
  /** The action under way, if any. */
  pending: Action | undefined;
  post: Post | undefined;
  onAction: (action: Action) => void;
}) {
  const busy = pending !== undefined;
  const gated = {
    disabled: busy || Boolean(blocked),
    'aria-describedby': blocked ? 'composer-blocked' : undefined,
  };
  return (
    <div className="composer__actions">
      <p id="composer-blocked" className="composer__blocked" role="status">
        {blocked ?? ''}
      </p>
      <div className="composer__buttons">
        <button
          type="button"
          className="button button--secondary"
          disabled={busy}
          onClick={() => onAction('draft')}
        >
          {pending === 'draft' ? 'Saving…' : 'Save draft'}
        </button>
        <button
          type="button"
          className="button button--primary"
          {...gated}
          onClick={() => onAction('schedule')}
        >
          {pending === 'schedule' ? 'Scheduling…' : 'Schedule'}
        </button>
        <button
          type="button"
          className="button button--secondary"
          {...gated}
          onClick={() => onAction('publish')}
        >
          {pending === 'publish' ? 'Publishing…' : 'Publish now'}
        </button>
      </div>
      {post ? (
        <Link to="/posts/$postId" params={{ postId: post.id }} className="composer__cancel">
          Cancel editing
        </Link>
      ) : null}
    </div>
  );
}
