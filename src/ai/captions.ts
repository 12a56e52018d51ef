import { MAX_CAPTION_LENGTH, type PlatformRules } from '../platforms/definition.js';
import { rulesFor } from '../platforms/rules.js';
import { extractHashtags, textLength } from '../platforms/text.js';
import { validateDraft, type RuleViolation } from '../platforms/validation.js';
import type { CaptionDraft } from './types.js';

/**
 * What both providers do to a caption before it leaves `ai/`: check it against the platform's text rules
 * (validation.ts) and, when it breaks one, repair it the documented way or drop it.
 */

/**
 * Bounds of a draft on every platform, as the API documents `CaptionDraft`: at most `hashtags` of them
 * (beyond, as beyond a platform's own limit, they lose their `#`), none longer than `hashtag`, and a
 * caption of at most `caption` characters (X counts each link as 23 whatever its length, so its rule
 * alone does not bound the text).
 */
export const DRAFT_LIMITS = { caption: MAX_CAPTION_LENGTH, hashtags: 30, hashtag: 100 } as const;

/**
 * The caption's violations of its platform's text rules (length, hashtags, mentions). Media rules are
 * left out: a caption alone has no media, and Instagram's "media required" is the post's business.
 */
export function captionViolations(platform: string, caption: string): RuleViolation[] {
  return validateDraft({ platform, caption, mediaIds: [] }).filter(
    (v) => v.field === 'caption' && v.rule !== 'text.required',
  );
}

/** How many hashtags a caption may carry on `platform` (the rule's limit, or `fallback` when none). */
export function hashtagLimit(rules: PlatformRules, fallback: number): number {
  return rules.hashtags.max === null ? fallback : Math.min(rules.hashtags.max, fallback);
}

/** Characters a hashtag may hold (platforms/text.ts `HASHTAG`), at least one a letter. */
export function cleanHashtag(raw: string): string | null {
  const tag = raw
    .normalize('NFC')
    .replace(/^[#＃]+/, '')
    .replace(/[^\p{L}\p{M}\p{N}_]/gu, '');
  return tag && /\p{L}/u.test(tag) && tag.length <= 50 ? tag : null;
}

/** Removes the `#`/`@` of every hashtag/mention after the first `keep` (the word stays readable). */
function demote(text: string, marker: RegExp, keep: number): string {
  let seen = 0;
  return text.replace(marker, (match, lead: string) => (++seen > keep ? lead : match));
}

/** The longest prefix of `text` (cut at a word boundary when possible) that, with `…`, fits `fits`. */
export function truncateToFit(text: string, fits: (candidate: string) => boolean): string {
  const points = [...text];
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(`${points.slice(0, mid).join('').trimEnd()}…`)) lo = mid;
    else hi = mid - 1;
  }
  let cut = points.slice(0, lo).join('');
  const space = cut.search(/\s\S*$/u);
  if (space > cut.length * 0.6) cut = cut.slice(0, space);
  return `${cut.replace(/[\s\p{P}]+$/u, '')}…`;
}

/**
 * A caption made valid for `platform`, or `null` when it cannot be: hashtags beyond the platform's limit
 * lose their `#`, mentions beyond it their `@`, and a text still too long is cut at a word boundary and
 * ends with `…`. The hashtags are read back from the final text.
 */
export function fitCaption(platform: string, caption: string): CaptionDraft | null {
  const rules = rulesFor(platform);
  let text = caption.normalize('NFC').trim();
  if (!rules || !text) return null;
  // A hashtag longer than a draft may list is a plain word (its `#` goes).
  text = text.replace(
    new RegExp(
      `(^|[^\\p{L}\\p{M}\\p{N}_&])[#＃](?=[\\p{L}\\p{M}\\p{N}_]{${DRAFT_LIMITS.hashtag + 1}})`,
      'gu',
    ),
    '$1',
  );
  const tags = hashtagLimit(rules, DRAFT_LIMITS.hashtags);
  if (extractHashtags(text).length > tags) {
    text = demote(text, /(^|[^\p{L}\p{M}\p{N}_&])[#＃](?=[\p{L}\p{M}\p{N}_])/gu, tags);
  }
  if (rules.mentions.max !== null) {
    text = demote(text, /(^|[^\p{L}\p{M}\p{N}_@＠!#$%&*])[@＠](?=[A-Za-z0-9_])/gu, rules.mentions.max);
  }
  if (textLength(rules, text) > rules.text.maxLength) {
    text = truncateToFit(text, (c) => textLength(rules, c) <= rules.text.maxLength);
  }
  if (captionViolations(platform, text).length > 0 || [...text].length > DRAFT_LIMITS.caption) return null;
  return { caption: text, hashtags: extractHashtags(text) };
}
