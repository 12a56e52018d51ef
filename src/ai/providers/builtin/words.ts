import { createHash } from 'node:crypto';

/** Words that never become hashtags (English, plus the commonest French, German and Spanish ones). */
const STOP_WORDS = new Set(
  (
    'a about above after again against all also am an and any are as at be because been before being ' +
    'below between both but by can could did do does doing down during each few for from further get ' +
    'got had has have having he her here hers herself him himself his how i if in into is it its itself ' +
    'just let lets like make more most my myself new no nor not now of off on once only or other our ' +
    'ours ourselves out over own same she should so some such than that the their theirs them ' +
    'themselves then there these they this those through to too under until up upon us very via was we ' +
    'were what when where which while who whom why will with within without would you your yours ' +
    'yourself yourselves best top tips ways way thing things really much many every ' +
    'le la les un une des du de et ou en au aux pour par sur avec dans est sont ce cette ces nos vos ' +
    'der die das und oder ein eine einer mit für auf im am zum zur von ist sind dem den des ' +
    'el los las una unos unas y o con por para del al es son su sus que'
  ).split(' '),
);

/** Words of `text`: letters, marks and digits; `#`, `@`, punctuation and emoji are separators. */
export function words(text: string): string[] {
  return text.normalize('NFC').match(/[\p{L}\p{M}\p{N}]+/gu) ?? [];
}

/** A word worth a hashtag: not a stop word, not a number, not too short or too long. */
function tagWorthy(word: string): boolean {
  const lower = word.toLowerCase();
  if (STOP_WORDS.has(lower) || !/\p{L}/u.test(word)) return false;
  const length = [...word].length;
  // Scripts without spaces (CJK) carry meaning in two characters; Latin words need three.
  const minimum = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u.test(word)
    ? 2
    : 3;
  return length >= minimum && length <= 30;
}

/**
 * Hashtags from a topic: its words in order, stop words removed, one per word (case-insensitive
 * duplicates dropped), lower-cased; `extra` candidates (pillar, brand) come after.
 */
export function hashtagsFrom(topic: string, extra: string[] = []): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  const add = (tag: string) => {
    const key = tag.toLocaleLowerCase();
    if (!seen.has(key)) {
      seen.add(key);
      out.push(tag);
    }
  };
  for (const word of words(topic)) if (tagWorthy(word)) add(word.toLocaleLowerCase());
  for (const candidate of extra) {
    const joined = words(candidate)
      .map((w) => w.charAt(0).toLocaleUpperCase() + w.slice(1))
      .join('');
    if (joined && tagWorthy(joined)) add(joined);
  }
  return out;
}

/** Whitespace and control characters folded, `#`/`@` removed (a topic may not inject tags or mentions). */
export function cleanTopic(topic: string): string {
  return topic
    .normalize('NFC')
    .replace(/[\p{Cc}\p{Cf}]/gu, ' ')
    .replace(/[#＃@＠]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\s.!?,;:…]+$/u, '');
}

/** `text` cut to at most `max` code points at a word boundary, with `…` when cut. */
export function shorten(text: string, max: number): string {
  const points = [...text];
  if (points.length <= max) return text;
  let cut = points.slice(0, Math.max(1, max - 1)).join('');
  const space = cut.lastIndexOf(' ');
  if (space > cut.length * 0.5) cut = cut.slice(0, space);
  return `${cut.replace(/[\s\p{P}]+$/u, '')}…`;
}

export function capitalize(text: string): string {
  return text.charAt(0).toLocaleUpperCase() + text.slice(1);
}

/** A deterministic pseudo-random sequence from a string (SHA-256 seed, mulberry32 steps). */
export function seededRandom(seed: string): () => number {
  let state = createHash('sha256').update(seed).digest().readUInt32BE(0);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
