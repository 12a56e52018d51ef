import type { PlatformRules } from './definition.js';
import { twitterWeightedLength } from './twitter/twitter.text.js';
import { findUrls } from './urls.js';

/** How long a text is and what it tags and mentions, as the platform rules count them. */

/** Unicode code points after NFC normalization. */
export function characterLength(text: string): number {
  return [...text.normalize('NFC')].length;
}

/** The length of `text` as `rules` measure it. */
export function textLength(rules: Pick<PlatformRules, 'text'>, text: string): number {
  return rules.text.counting === 'twitter-weighted' ? twitterWeightedLength(text) : characterLength(text);
}

// ---------------------------------------------------------------------------------------------------
// Hashtags and mentions, outside URLs.
// ---------------------------------------------------------------------------------------------------

const HASHTAG = /(?<![\p{L}\p{M}\p{N}_&])[#＃](?![\uFE0F\u20E3])([\p{L}\p{M}\p{N}_]+)/gu;
const MENTION = /(?<![\p{L}\p{M}\p{N}_@＠!#$%&*])[@＠]([A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?)/gu;

function withoutUrls(text: string): string {
  let out = '';
  let at = 0;
  for (const url of findUrls(text)) {
    out += text.slice(at, url.start) + ' '.repeat(url.end - url.start);
    at = url.end;
  }
  return out + text.slice(at);
}

/** `#tag` tokens (letters, digits, underscore; at least one letter), without the `#`, in order. */
export function extractHashtags(text: string): string[] {
  const tags: string[] = [];
  for (const m of withoutUrls(text.normalize('NFC')).matchAll(HASHTAG)) {
    if (/\p{L}/u.test(m[1]!)) tags.push(m[1]!);
  }
  return tags;
}

/** `@handle` tokens, without the `@`, in order (e-mail addresses are not mentions). */
export function extractMentions(text: string): string[] {
  return [...withoutUrls(text.normalize('NFC')).matchAll(MENTION)].map((m) => m[1]!);
}
