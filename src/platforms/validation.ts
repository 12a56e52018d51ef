import type { PlatformRules } from './definition.js';
import type { MediaType } from './media.js';
import { PLATFORMS } from './platforms.js';
import { rulesFor } from './rules.js';
import {
  linkInText,
  measureDraft,
  measuredHashtags,
  measuredTextLength,
  type DraftMeasurements,
} from './measure.js';
import { characterLength, extractMentions } from './text.js';

/**
 * The one validator that checks a post draft against its platform's rules, before it is scheduled or
 * published. Pure functions only: no database, no HTTP, no clock.
 */

/** A post as far as the platform rules care. */
export interface PostDraft {
  platform: string;
  caption: string;
  mediaIds: string[];
  /** Details of the items in `mediaIds`, in the same order, when known: type checks need them. */
  media?: {
    id: string;
    type: MediaType;
    width?: number;
    height?: number;
    durationSeconds?: number;
  }[];
  link?: string | null;
  firstComment?: string | null;
}

/**
 * One broken rule. `rule` is a stable dotted id (`text.maxLength`, `hashtags.max`, `media.required`,
 * `media.maxCount`, `media.types`, `firstComment.supported`, `link.allowed`, …); `field` names the
 * draft field (`mediaIds[2]` for one item); `limit` and `actual` are set for numeric limits.
 */
export interface RuleViolation {
  rule: string;
  field: string;
  message: string;
  limit?: number;
  actual?: number;
}

type MediaItem = { id: string; type?: MediaType; width?: number; height?: number; durationSeconds?: number };

const TYPE_NAMES: Record<MediaType, [string, string]> = {
  image: ['image', 'images'],
  video: ['video', 'videos'],
  gif: ['GIF', 'GIFs'],
};
const ASPECT_TOLERANCE = 0.01;

/** Every rule `draft` breaks on its platform, in a stable order; empty when it may be published. */
export function validateDraft(draft: PostDraft): RuleViolation[] {
  const rules = rulesFor(draft.platform);
  if (!rules) {
    return [
      {
        rule: 'platform.supported',
        field: 'platform',
        message: `Unknown platform '${draft.platform}'; supported: ${PLATFORMS.join(', ')}`,
      },
    ];
  }
  return validateAgainst(rules, draft);
}

/** `validateDraft` with explicit rules (the draft's `platform` is not consulted). */
export function validateAgainst(rules: PlatformRules, draft: PostDraft): RuleViolation[] {
  return [...textViolations(rules, draft), ...mediaViolations(rules, draft)];
}

function textViolations(rules: PlatformRules, draft: PostDraft): RuleViolation[] {
  const out: RuleViolation[] = [];
  const name = rules.displayName;
  const caption = draft.caption ?? '';
  const link = draft.link?.trim() || null;
  const firstComment = draft.firstComment?.trim() ? draft.firstComment : null;
  const mediaCount = (draft.media ?? draft.mediaIds ?? []).length;

  if (!caption.trim() && mediaCount === 0 && !link && !rules.media.required) {
    out.push({
      rule: 'text.required',
      field: 'caption',
      message: `${name} posts need text, media or a link`,
    });
  }
  const measured = { caption, link, firstComment, mediaCount };
  const length = measuredTextLength(rules, measured);
  if (length > rules.text.maxLength) {
    const unit = rules.text.counting === 'twitter-weighted' ? 'weighted characters' : 'characters';
    out.push({
      rule: 'text.maxLength',
      field: 'caption',
      message: `${name} allows ${rules.text.maxLength} ${unit}; this text${linkInText(rules, measured) ? ' with its link' : ''} has ${length}`,
      limit: rules.text.maxLength,
      actual: length,
    });
  }
  const hashtags = measuredHashtags(rules, measured);
  if (rules.hashtags.max !== null && hashtags > rules.hashtags.max) {
    const where = rules.hashtags.includesFirstComment ? ' (caption and first comment together)' : '';
    out.push({
      rule: 'hashtags.max',
      field: 'caption',
      message: `${name} allows ${rules.hashtags.max} hashtags${where}; this post has ${hashtags}`,
      limit: rules.hashtags.max,
      actual: hashtags,
    });
  }
  const mentions = extractMentions(caption).length;
  if (rules.mentions.max !== null && mentions > rules.mentions.max) {
    out.push({
      rule: 'mentions.max',
      field: 'caption',
      message: `${name} allows ${rules.mentions.max} @mentions; this caption has ${mentions}`,
      limit: rules.mentions.max,
      actual: mentions,
    });
  }
  if (link && !rules.link.allowed) {
    out.push({ rule: 'link.allowed', field: 'link', message: `${name} posts cannot carry a link` });
  }
  if (firstComment && !rules.firstComment.supported) {
    out.push({
      rule: 'firstComment.supported',
      field: 'firstComment',
      message: `Audenci cannot post a first comment on ${name}`,
    });
  } else if (firstComment && rules.firstComment.maxLength !== null) {
    const commentLength = characterLength(firstComment);
    if (commentLength > rules.firstComment.maxLength) {
      out.push({
        rule: 'firstComment.maxLength',
        field: 'firstComment',
        message: `${name} comments take ${rules.firstComment.maxLength} characters; this one has ${commentLength}`,
        limit: rules.firstComment.maxLength,
        actual: commentLength,
      });
    }
  }
  return out;
}

function mediaViolations(rules: PlatformRules, draft: PostDraft): RuleViolation[] {
  const out: RuleViolation[] = [];
  const { media } = rules;
  const name = rules.displayName;
  const items: MediaItem[] = draft.media ?? (draft.mediaIds ?? []).map((id) => ({ id }));

  if (media.required && items.length === 0) {
    out.push({
      rule: 'media.required',
      field: 'mediaIds',
      message: `${name} posts need at least one photo or video`,
    });
  }
  if (items.length > media.maxCount) {
    out.push({
      rule: 'media.maxCount',
      field: 'mediaIds',
      message: `${name} allows ${media.maxCount} media items per post; this post has ${items.length}`,
      limit: media.maxCount,
      actual: items.length,
    });
  }
  items.forEach((item, i) => {
    if (item.type && !media.types.includes(item.type)) {
      out.push({
        rule: 'media.types',
        field: `mediaIds[${i}]`,
        message: `${name} does not take ${TYPE_NAMES[item.type][1]}; it takes ${media.types.map((t) => TYPE_NAMES[t][1]).join(', ')}`,
      });
    }
  });
  const accepted = items.filter((item) => item.type && media.types.includes(item.type));
  const kinds = new Set(accepted.map((item) => item.type));
  if (!media.mixing && kinds.size > 1) {
    out.push({
      rule: 'media.mixing',
      field: 'mediaIds',
      message: `${name} posts cannot combine ${[...kinds].map((t) => TYPE_NAMES[t!][1]).join(' and ')}`,
    });
  }
  const perType: [MediaType, number | null, string][] = [
    ['image', media.maxImages, 'media.maxImages'],
    ['video', media.maxVideos, 'media.maxVideos'],
    ['gif', media.maxGifs, 'media.maxGifs'],
  ];
  for (const [type, max, rule] of perType) {
    const count = accepted.filter((item) => item.type === type).length;
    // A per-type limit equal to the overall one says nothing `media.maxCount` has not said.
    if (max !== null && max < media.maxCount && count > max) {
      const [one, many] = TYPE_NAMES[type];
      out.push({
        rule,
        field: 'mediaIds',
        message: `${name} allows ${max} ${max === 1 ? one : many} per post; this post has ${count}`,
        limit: max,
        actual: count,
      });
    }
  }
  items.forEach((item, i) => out.push(...itemViolations(rules, item, `mediaIds[${i}]`)));
  return out;
}

function itemViolations(rules: PlatformRules, item: MediaItem, field: string): RuleViolation[] {
  const { media, displayName: name } = rules;
  const out: RuleViolation[] = [];
  if (item.type === 'image' && item.width && item.height) {
    const ratio = Math.round((item.width / item.height) * 1000) / 1000;
    const { minImageAspectRatio: min, maxImageAspectRatio: max } = media;
    const bound =
      min !== null && ratio < min - ASPECT_TOLERANCE
        ? min
        : max !== null && ratio > max + ASPECT_TOLERANCE
          ? max
          : null;
    if (bound !== null) {
      out.push({
        rule: 'media.aspectRatio',
        field,
        message: `${name} takes images between ${min}:1 and ${max}:1 (width ÷ height); this one is ${ratio}:1`,
        limit: bound,
        actual: ratio,
      });
    }
  }
  if (item.type === 'video' && item.durationSeconds !== undefined) {
    const seconds = item.durationSeconds;
    const { minVideoSeconds: min, maxVideoSeconds: max } = media;
    const bound = min !== null && seconds < min ? min : max !== null && seconds > max ? max : null;
    if (bound !== null) {
      out.push({
        rule: 'media.videoDuration',
        field,
        message: `${name} takes videos of ${min ?? 0} to ${max ?? '∞'} seconds; this one lasts ${seconds}`,
        limit: bound,
        actual: seconds,
      });
    }
  }
  return out;
}

/**
 * `draft` measured against its platform's limits (text length as the platform counts it, hashtags,
 * mentions, media, first comment); undefined for an unknown platform.
 */
export function measurePostDraft(draft: PostDraft): DraftMeasurements | undefined {
  const rules = rulesFor(draft.platform);
  if (!rules) return undefined;
  return measureDraft(rules, {
    caption: draft.caption ?? '',
    link: draft.link ?? null,
    firstComment: draft.firstComment ?? null,
    mediaCount: (draft.media ?? draft.mediaIds ?? []).length,
  });
}
