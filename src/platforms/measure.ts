import type { PlatformRules, TextCounting } from './definition.js';
import { characterLength, extractHashtags, extractMentions, textLength } from './text.js';

/**
 * What a draft measures against its platform's limits, counted as the platform counts: the numbers a
 * composer shows beside the text (`n / limit`). The validator reads its length and hashtag checks from
 * here, so the numbers shown and the rules enforced cannot drift apart. Pure functions only.
 */

/** The parts of a draft the measurements read. */
export interface MeasuredDraft {
  caption: string;
  link?: string | null;
  firstComment?: string | null;
  mediaCount: number;
}

export interface DraftMeasurements {
  /** The text as the platform counts it, with the `link` when the platform appends it to the text. */
  text: { length: number; limit: number; counting: TextCounting; includesLink: boolean };
  /** Hashtags in the caption (and the first comment where the platform counts those too). */
  hashtags: { count: number; limit: number | null; includesFirstComment: boolean };
  mentions: { count: number; limit: number | null };
  media: { count: number; limit: number; required: boolean };
  /** The first comment's length in characters; `limit` null when it has none. */
  firstComment: { length: number; limit: number | null; supported: boolean };
}

function presentLink(draft: MeasuredDraft): string | null {
  return draft.link?.trim() || null;
}

function presentComment(draft: MeasuredDraft): string | null {
  return draft.firstComment?.trim() ? draft.firstComment : null;
}

/** Whether `rules` append the draft's link to its text (so the link counts toward the text limit). */
export function linkInText(rules: PlatformRules, draft: MeasuredDraft): boolean {
  return Boolean(presentLink(draft) && rules.link.allowed && rules.link.inText);
}

/** The text length the platform's limit applies to: the caption, plus a space and the link when appended. */
export function measuredTextLength(rules: PlatformRules, draft: MeasuredDraft): number {
  const caption = draft.caption ?? '';
  let length = textLength(rules, caption);
  const link = presentLink(draft);
  if (link && linkInText(rules, draft)) {
    length += (caption.trim() ? 1 : 0) + (rules.link.countsAs ?? characterLength(link));
  }
  return length;
}

/** The hashtags the platform's limit applies to. */
export function measuredHashtags(rules: PlatformRules, draft: MeasuredDraft): number {
  const comment = presentComment(draft);
  return (
    extractHashtags(draft.caption ?? '').length +
    (rules.hashtags.includesFirstComment && comment ? extractHashtags(comment).length : 0)
  );
}

/** Every measurement of `draft` beside its limit on the platform of `rules`. */
export function measureDraft(rules: PlatformRules, draft: MeasuredDraft): DraftMeasurements {
  const comment = presentComment(draft);
  return {
    text: {
      length: measuredTextLength(rules, draft),
      limit: rules.text.maxLength,
      counting: rules.text.counting,
      includesLink: linkInText(rules, draft),
    },
    hashtags: {
      count: measuredHashtags(rules, draft),
      limit: rules.hashtags.max,
      includesFirstComment: rules.hashtags.includesFirstComment,
    },
    mentions: { count: extractMentions(draft.caption ?? '').length, limit: rules.mentions.max },
    media: { count: draft.mediaCount, limit: rules.media.maxCount, required: rules.media.required },
    firstComment: {
      length: comment ? characterLength(comment) : 0,
      limit: rules.firstComment.maxLength,
      supported: rules.firstComment.supported,
    },
  };
}
