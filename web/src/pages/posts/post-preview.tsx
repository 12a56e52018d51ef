import type { ReactNode } from 'react';
import type { Media, Post } from '@audenci/sdk-js';
import { platformLabel } from '../../api/platforms';

type Platform = Post['platform'];

/** The caption's hashtags, @mentions and links, styled as the networks show them (display only). */
const TOKEN = /(https?:\/\/[^\s]+|[#＃][\p{L}\p{M}\p{N}_]+|[@＠][A-Za-z0-9_.]+)/gu;

export function RichText({ text }: { text: string }) {
  const parts: ReactNode[] = [];
  let at = 0;
  for (const match of text.matchAll(TOKEN)) {
    const start = match.index;
    if (start > at) parts.push(text.slice(at, start));
    const token = match[0];
    const kind = token.startsWith('http')
      ? 'link'
      : token.startsWith('@') || token.startsWith('＠')
        ? 'mention'
        : 'tag';
    parts.push(
      <span key={start} className={`preview__${kind}`}>
        {token}
      </span>,
    );
    at = start + token.length;
  }
  if (at < text.length) parts.push(text.slice(at));
  return <>{parts}</>;
}

function MediaGrid({ media, square }: { media: Media[]; square?: boolean }) {
  if (media.length === 0) return null;
  const shown = square ? media.slice(0, 1) : media.slice(0, 4);
  return (
    <div
      className={`preview__media preview__media--${shown.length}${square ? ' preview__media--square' : ''}`}
    >
      {shown.map((item) =>
        item.type === 'video' ? (
          <video key={item.id} src={item.url} muted aria-label={item.filename ?? 'Video'} />
        ) : (
          <img key={item.id} src={item.thumbnailUrl ?? item.url} alt={item.filename ?? 'Attached image'} />
        ),
      )}
      {square && media.length > 1 ? <span className="preview__more">1 / {media.length}</span> : null}
    </div>
  );
}

function hostOf(link: string): string {
  try {
    return new URL(link).host;
  } catch {
    return link;
  }
}

export interface PreviewProps {
  platform: Platform;
  /** The account's name and handle, or the brand's name when no account is chosen. */
  name: string;
  handle?: string | null;
  caption: string;
  media: Media[];
  link?: string;
  firstComment?: string;
}

/**
 * How the post will look on its network: the account, the text with its tags and links, the media —
 * X's card, Instagram's square with the caption under it, Facebook's post with its link preview.
 */
export function PostPreview({ platform, name, handle, caption, media, link, firstComment }: PreviewProps) {
  const avatar = (
    <span className="preview__avatar" aria-hidden="true">
      {name.trim().charAt(0).toUpperCase() || '?'}
    </span>
  );
  const at = handle ? `@${handle.replace(/^@/, '')}` : null;
  const comment = firstComment?.trim() ? (
    <p className="preview__comment">
      <strong>{name}</strong> <RichText text={firstComment} />
    </p>
  ) : null;

  if (platform === 'instagram') {
    return (
      <article className="preview preview--instagram" aria-label="Instagram preview">
        <header className="preview__head">
          {avatar}
          <strong>{handle ?? name}</strong>
        </header>
        {media.length ? (
          <MediaGrid media={media} square />
        ) : (
          <div className="preview__placeholder">Instagram posts need a photo or video</div>
        )}
        <p className="preview__text">
          <strong>{handle ?? name}</strong> <RichText text={caption} />
          {link ? (
            <>
              {' '}
              <span className="preview__link">{link}</span>
            </>
          ) : null}
        </p>
        {comment}
      </article>
    );
  }
  if (platform === 'twitter') {
    return (
      <article className="preview preview--twitter" aria-label="X preview">
        <div className="preview__row">
          {avatar}
          <div className="preview__body">
            <header className="preview__head preview__head--inline">
              <strong>{name}</strong>
              {at ? <span className="preview__muted">{at}</span> : null}
              <span className="preview__muted">· now</span>
            </header>
            <p className="preview__text">
              <RichText text={caption} />
              {link ? (
                <>
                  {caption.trim() ? ' ' : ''}
                  <span className="preview__link">{link}</span>
                </>
              ) : null}
            </p>
            <MediaGrid media={media} />
          </div>
        </div>
      </article>
    );
  }
  return (
    <article className="preview preview--facebook" aria-label={`${platformLabel(platform)} preview`}>
      <header className="preview__head">
        {avatar}
        <span>
          <strong>{name}</strong>
          <span className="preview__muted preview__sub">Just now</span>
        </span>
      </header>
      <p className="preview__text">
        <RichText text={caption} />
      </p>
      <MediaGrid media={media} />
      {link && media.length === 0 ? (
        <div className="preview__card">
          <span className="preview__muted">{hostOf(link).toUpperCase()}</span>
          <span className="preview__link">{link}</span>
        </div>
      ) : null}
      {comment}
    </article>
  );
}
