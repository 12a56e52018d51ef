import { domainToASCII } from 'node:url';

/**
 * Each platform's publishing rules as data (STYLE 7), and the one validator that checks a post draft
 * against them. `GET /platforms` serves this data as is; posts are validated with it before they are
 * scheduled or published (CONTRACT §4). Pure functions only: no database, no HTTP, no clock.
 *
 * The numbers were checked against the platforms' own documentation in November 2026; `sources` on
 * each entry says where. When a platform changes a limit, change the data here: nothing else needs to.
 */

export const PLATFORMS = ['instagram', 'facebook', 'twitter', 'linkedin'] as const;
export type Platform = (typeof PLATFORMS)[number];

/**
 * The longest caption the API takes on any platform, in characters. Each platform's own limit is lower,
 * but X counts a link as 23 characters whatever its length, so its rule alone does not bound the text.
 */
export const MAX_CAPTION_LENGTH = 100_000;

export const MEDIA_TYPES = ['image', 'video', 'gif'] as const;
export type MediaType = (typeof MEDIA_TYPES)[number];

/**
 * How the text limit is measured. `characters`: Unicode code points after NFC normalization.
 * `twitter-weighted`: X's weighted count (twitter-text v3), see {@link twitterWeightedLength}.
 */
export type TextCounting = 'characters' | 'twitter-weighted';

/** What one platform accepts in one post. `null` means "no limit of this kind". */
export interface PlatformRules {
  platform: Platform;
  displayName: string;
  text: { maxLength: number; counting: TextCounting };
  /** `includesFirstComment`: hashtags in the first comment count toward `max` too (Instagram). */
  hashtags: { max: number | null; includesFirstComment: boolean };
  mentions: { max: number | null };
  media: {
    /** A post without media is refused (Instagram has no text-only posts). */
    required: boolean;
    maxCount: number;
    types: MediaType[];
    maxImages: number | null;
    maxVideos: number | null;
    maxGifs: number | null;
    /** Whether one post may combine media of different types (an Instagram carousel may). */
    mixing: boolean;
    /** Width ÷ height bounds for images. */
    minImageAspectRatio: number | null;
    maxImageAspectRatio: number | null;
    minVideoSeconds: number | null;
    maxVideoSeconds: number | null;
  };
  /**
   * The post's separate `link`. `inText`: the connector appends it to the text, so it counts toward
   * the text limit — `countsAs` characters (X wraps every link in a 23-character t.co link), or its
   * own length when `countsAs` is null. Otherwise it is attached as a link preview and costs nothing.
   */
  link: { allowed: boolean; inText: boolean; countsAs: number | null };
  /** A comment the connector posts under the published post (often used for hashtags). */
  firstComment: { supported: boolean; maxLength: number | null };
  notes: string;
  /** Where the numbers come from. */
  sources: string[];
}

const RULES: Record<Platform, PlatformRules> = {
  instagram: {
    platform: 'instagram',
    displayName: 'Instagram',
    text: { maxLength: 2200, counting: 'characters' },
    hashtags: { max: 5, includesFirstComment: true },
    mentions: { max: 20 },
    media: {
      required: true,
      maxCount: 10,
      types: ['image', 'video'],
      maxImages: 10,
      maxVideos: 10,
      maxGifs: null,
      mixing: true,
      minImageAspectRatio: 0.8,
      maxImageAspectRatio: 1.91,
      minVideoSeconds: 3,
      maxVideoSeconds: 900,
    },
    link: { allowed: true, inText: true, countsAs: null },
    firstComment: { supported: true, maxLength: 2200 },
    notes:
      'Every post needs 1–10 photos or videos; several become a carousel (photos and videos may be mixed) ' +
      'and a single video is published as a reel. Captions take 2,200 characters, 20 @mentions and 5 ' +
      'hashtags (Instagram cut the cap from 30 to 5 in December 2025), counting the first comment. ' +
      'Links in captions are not clickable. Photos between 4:5 and 1.91:1; videos 3 s to 15 min; no GIFs.',
    sources: [
      'https://developers.facebook.com/docs/instagram-platform/content-publishing/',
      'https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media',
    ],
  },
  facebook: {
    platform: 'facebook',
    displayName: 'Facebook',
    text: { maxLength: 63206, counting: 'characters' },
    hashtags: { max: null, includesFirstComment: false },
    mentions: { max: null },
    media: {
      required: false,
      maxCount: 10,
      types: ['image', 'video', 'gif'],
      maxImages: 10,
      maxVideos: 1,
      maxGifs: 1,
      mixing: false,
      minImageAspectRatio: null,
      maxImageAspectRatio: null,
      minVideoSeconds: 1,
      maxVideoSeconds: 14400,
    },
    link: { allowed: true, inText: false, countsAs: null },
    firstComment: { supported: true, maxLength: 8000 },
    notes:
      'Page posts take 63,206 characters with up to 10 photos, or one video, or one GIF (photos and a ' +
      'video cannot share a post). A link is shown as a preview card. Videos 1 s to 240 min.',
    sources: [
      'https://developers.facebook.com/docs/pages-api/posts',
      'https://developers.facebook.com/docs/video-api/guides/publishing',
    ],
  },
  twitter: {
    platform: 'twitter',
    displayName: 'X (Twitter)',
    text: { maxLength: 280, counting: 'twitter-weighted' },
    hashtags: { max: null, includesFirstComment: false },
    mentions: { max: null },
    media: {
      required: false,
      maxCount: 4,
      types: ['image', 'video', 'gif'],
      maxImages: 4,
      maxVideos: 1,
      maxGifs: 1,
      mixing: false,
      minImageAspectRatio: null,
      maxImageAspectRatio: null,
      minVideoSeconds: 0.5,
      maxVideoSeconds: 140,
    },
    link: { allowed: true, inText: true, countsAs: 23 },
    firstComment: { supported: false, maxLength: null },
    notes:
      '280 weighted characters (twitter-text v3): Latin letters, punctuation and common symbols count 1; ' +
      'CJK, most other scripts and every emoji (however many code points) count 2; every URL counts 23. ' +
      'Up to 4 photos, or one video, or one GIF. Videos 0.5 s to 140 s. X Premium accounts may post ' +
      'longer text; Audenci checks the standard limit.',
    sources: [
      'https://docs.x.com/fundamentals/counting-characters',
      'https://github.com/twitter/twitter-text/blob/master/config/v3.json',
      'https://docs.x.com/x-api/media/quickstart/best-practices',
    ],
  },
  linkedin: {
    platform: 'linkedin',
    displayName: 'LinkedIn',
    text: { maxLength: 3000, counting: 'characters' },
    hashtags: { max: null, includesFirstComment: false },
    mentions: { max: null },
    media: {
      required: false,
      maxCount: 20,
      types: ['image', 'video', 'gif'],
      maxImages: 20,
      maxVideos: 1,
      maxGifs: 1,
      mixing: false,
      minImageAspectRatio: null,
      maxImageAspectRatio: null,
      minVideoSeconds: 3,
      maxVideoSeconds: 1800,
    },
    link: { allowed: true, inText: false, countsAs: null },
    firstComment: { supported: true, maxLength: 1250 },
    notes:
      'Commentary takes 3,000 characters, with up to 20 photos (a multi-image post), or one video, or ' +
      'one GIF; media types cannot be combined. A link becomes an article card. Videos 3 s to 30 min.',
    sources: [
      'https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api',
      'https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/multiimage-post-api',
      'https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/videos-api',
    ],
  },
};

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** The rules of every platform. Frozen: callers share one copy. */
export const PLATFORM_RULES: Readonly<Record<Platform, PlatformRules>> = deepFreeze(RULES);

export function isPlatform(value: string): value is Platform {
  return (PLATFORMS as readonly string[]).includes(value);
}

export function rulesFor(platform: string): PlatformRules | undefined {
  return isPlatform(platform) ? PLATFORM_RULES[platform] : undefined;
}

/** Every platform's rules, in `PLATFORMS` order. */
export function listPlatformRules(): PlatformRules[] {
  return PLATFORMS.map((p) => PLATFORM_RULES[p]);
}

// ---------------------------------------------------------------------------------------------------
// URLs. X counts every URL as 23, and hashtags inside a URL are not hashtags, so URLs are found the
// way twitter-text finds them: `http(s)://` + host, or a bare ASCII domain with a known TLD, not glued
// to a preceding letter, digit, @, $ or #; then an optional port, path and query whose trailing
// punctuation is left out (`example.com/foo.` ends before the dot).
// ---------------------------------------------------------------------------------------------------

/** Country-code TLDs (ISO 3166-1 plus ac, eu, su, uk). */
const COUNTRY_TLDS = new Set(
  (
    'ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bl bm bn bo bq br bs ' +
    'bt bv bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg ' +
    'eh er es et eu fi fj fk fm fo fr ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn ' +
    'hr ht hu id ie il im in io iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk ' +
    'lr ls lt lu lv ly ma mc md me mf mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ' +
    'ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd ' +
    'se sg sh si sj sk sl sm sn so sr ss st su sv sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw ' +
    'tz ua ug uk um us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw'
  ).split(' '),
);

/**
 * Generic TLDs that bare domains (no `http://`) are recognised with. twitter-text carries IANA's whole
 * list; this is the part seen in real posts. A bare domain under another TLD counts by its characters;
 * with `https://` in front any TLD is recognised.
 */
const GENERIC_TLDS = new Set(
  (
    'com net org info biz name pro edu gov mil int mobi aero asia cat coop jobs museum post tel travel ' +
    'xxx app dev page blog shop store online site website tech xyz club live life world today news ' +
    'media digital email link cloud agency company studio design art gallery photo photos photography ' +
    'social network group global academy education school university college courses training ' +
    'solutions services systems software tools support center consulting marketing business finance ' +
    'capital money bank insurance health care clinic dental fitness fit games game fun movie film video ' +
    'events tickets tours holiday hotels restaurant cafe bar pub pizza wine beer coffee food recipes ' +
    'kitchen eco green bio energy solar law legal lawyer attorney guru expert tips wiki help how london ' +
    'nyc paris berlin tokyo amsterdam love family baby dog pet fashion style beauty house homes ' +
    'property properties realestate estate land city town country one top vip win bet poker casino ltd ' +
    'llc inc gmbh google youtube rocks ninja zone works space science team chat market sale deals ' +
    'foundation fund charity church africa'
  ).split(' '),
);

const MAX_URL_LENGTH = 4096;
const LABEL = String.raw`[\p{L}\p{M}\p{N}](?:[\p{L}\p{M}\p{N}_-]{0,61}[\p{L}\p{M}\p{N}])?`;
const ASCII_LABEL = String.raw`[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?`;
/** Only the host: the path is matched after the host is accepted, keeping the scan linear. */
const URL_HOST = new RegExp(
  String.raw`(?<![A-Za-z0-9@＠$#＃])(https?:\/\/)((?:${LABEL}\.){1,32}${LABEL})` +
    String.raw`|(?<![A-Za-z0-9@＠$#＃._\/-])((?:${ASCII_LABEL}\.){1,32}${ASCII_LABEL})`,
  'giu',
);
/** Latin letters with accents, combining marks and Cyrillic, which twitter-text allows in paths. */
const LATIN_CYRILLIC = String.raw`\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u024F\p{Mn}\u1E00-\u1EFF\u0400-\u04FF`;
const URL_PORT = /:\d+/y;
const URL_PATH = new RegExp(
  String.raw`\/[A-Za-z0-9!*';:=+,.$\/%#\[\]\-\u2013_~@|&()${LATIN_CYRILLIC}]*`,
  'uy',
);
const PATH_END = new RegExp(String.raw`[+\-A-Za-z0-9=_#\/)${LATIN_CYRILLIC}]`, 'u');
const URL_QUERY = /\?[A-Za-z0-9!?*'@();:&=+$/%#[\]\-_.,~|]*/y;
const QUERY_END = /[A-Za-z0-9\-_&=#/]/;

export interface UrlMatch {
  url: string;
  /** UTF-16 offsets into the text, end exclusive. */
  start: number;
  end: number;
}

function tldAccepted(tld: string, withProtocol: boolean): boolean {
  const t = tld.toLowerCase();
  if (COUNTRY_TLDS.has(t) || GENERIC_TLDS.has(t) || /^xn--[a-z0-9-]+$/.test(t)) return true;
  return withProtocol && /^\p{L}[\p{L}\p{M}]{1,62}$/u.test(tld);
}

/** Drops what cannot end a path: unbalanced parentheses and trailing punctuation. */
function trimPath(path: string): string {
  const open: number[] = [];
  let end = path.length;
  for (let i = 0; i < path.length; i++) {
    if (path[i] === '(') open.push(i);
    else if (path[i] === ')' && open.pop() === undefined) {
      end = i;
      break;
    }
  }
  const unclosed = open.find((i) => i < end);
  if (unclosed !== undefined) end = unclosed;
  let out = path.slice(0, end);
  while (out.length > 1 && !PATH_END.test(out.slice(-1))) out = out.slice(0, -1);
  return out;
}

function matchAt(re: RegExp, text: string, at: number): string {
  re.lastIndex = at;
  return re.exec(text)?.[0] ?? '';
}

/** The URLs twitter-text would link in `text`, in order. */
export function findUrls(text: string): UrlMatch[] {
  const found: UrlMatch[] = [];
  const re = new RegExp(URL_HOST.source, URL_HOST.flags);
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const protocol = m[1] ?? '';
    const labels = (m[2] ?? m[3] ?? '').split('.');
    let k = labels.length;
    while (k >= 2 && !tldAccepted(labels[k - 1]!, protocol !== '')) k--;
    const domain = labels.slice(0, k).join('.');
    let end = m.index + protocol.length + domain.length;
    const ascii = k >= 2 ? domainToASCII(domain) : '';
    const valid =
      ascii !== '' &&
      !labels[k - 2]!.includes('_') &&
      !/[@+\-A-Za-z0-9]/.test(text[end] ?? '') &&
      ascii.split('.').every((label) => label.length <= 63);
    if (!valid) {
      re.lastIndex = m.index + 1;
      continue;
    }
    if (k === labels.length) {
      end += matchAt(URL_PORT, text, end).length;
      const path = matchAt(URL_PATH, text, end);
      end += path ? trimPath(path).length : 0;
      let query = matchAt(URL_QUERY, text, end);
      while (query.length > 1 && !QUERY_END.test(query.slice(-1))) query = query.slice(0, -1);
      if (query.length > 1) end += query.length;
    }
    const url = text.slice(m.index, end);
    const length = (protocol || 'https://').length + url.length - protocol.length - domain.length;
    if (length + ascii.length > MAX_URL_LENGTH) {
      re.lastIndex = m.index + 1;
      continue;
    }
    found.push({ url, start: m.index, end });
    re.lastIndex = end;
  }
  return found;
}

// ---------------------------------------------------------------------------------------------------
// X's weighted length: twitter-text's v3 configuration, implemented here rather than pulling in the
// old CommonJS `twitter-text` package. Like twitter-text, the text is scanned once, trying an emoji
// sequence at each position; emoji are recognised by Unicode properties (Extended_Pictographic,
// Regional_Indicator, Emoji_Modifier) instead of twemoji's frozen list, so newer emoji count 2 as X
// counts them. (Node 20's Intl.Segmenter slows down more than linearly on long texts — seconds for a
// 60,000-character caption — which a validator on the request path cannot afford; the sequences below
// are the grapheme clusters that matter here.)
// ---------------------------------------------------------------------------------------------------

/** twitter-text `config/v3.json`. */
export const TWITTER_TEXT_CONFIG = deepFreeze({
  version: 3,
  maxWeightedTweetLength: 280,
  scale: 100,
  defaultWeight: 200,
  emojiParsingEnabled: true,
  transformedURLLength: 23,
  ranges: [
    { start: 0x0000, end: 0x10ff, weight: 100 },
    { start: 0x2000, end: 0x200d, weight: 100 },
    { start: 0x2010, end: 0x201f, weight: 100 },
    { start: 0x2032, end: 0x2037, weight: 100 },
  ],
});

/** One emoji: a flag (two regional indicators), a keycap, or a pictograph with its modifiers and tags. */
const EMOJI = String.raw`(?:\p{Regional_Indicator}{2}|[#*0-9]\uFE0F?\u20E3|\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier})*(?:[\u{E0020}-\u{E007E}]+\u{E007F})?)`;
/** An emoji sequence (ZWJ joins included) starting at `lastIndex`. */
const EMOJI_SEQUENCE = new RegExp(String.raw`${EMOJI}(?:\u200D${EMOJI})*`, 'uy');

function codePointWeight(cp: number): number {
  const range = TWITTER_TEXT_CONFIG.ranges.find((r) => cp >= r.start && cp <= r.end);
  return range ? range.weight : TWITTER_TEXT_CONFIG.defaultWeight;
}

function spanWeight(text: string): number {
  let weight = 0;
  for (let i = 0; i < text.length;) {
    EMOJI_SEQUENCE.lastIndex = i;
    const emoji = EMOJI_SEQUENCE.exec(text)?.[0];
    // A lone code point is weighed by its range, whatever it is: twemoji leaves © and ® without U+FE0F
    // alone (weight 1), and every other single pictograph weighs the default 2 anyway.
    if (emoji && emoji.length > String.fromCodePoint(text.codePointAt(i)!).length) {
      weight += TWITTER_TEXT_CONFIG.defaultWeight;
      i += emoji.length;
    } else {
      const cp = text.codePointAt(i)!;
      weight += codePointWeight(cp);
      i += cp > 0xffff ? 2 : 1;
    }
  }
  return weight;
}

/**
 * The length X gives `text` (twitter-text v3 `parseTweet().weightedLength`): NFC-normalized; each URL
 * counts 23; each emoji — ZWJ sequences, flags, keycaps and skin tones included — counts 2; code points
 * in U+0000–U+10FF, U+2000–U+200D, U+2010–U+201F and U+2032–U+2037 count 1; everything else 2.
 */
export function twitterWeightedLength(text: string): number {
  const normalized = text.normalize('NFC');
  const { scale, transformedURLLength } = TWITTER_TEXT_CONFIG;
  let weight = 0;
  let at = 0;
  for (const url of findUrls(normalized)) {
    weight += spanWeight(normalized.slice(at, url.start)) + transformedURLLength * scale;
    at = url.end;
  }
  weight += spanWeight(normalized.slice(at));
  return weight / scale;
}

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

// ---------------------------------------------------------------------------------------------------
// Validation.
// ---------------------------------------------------------------------------------------------------

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
  let length = textLength(rules, caption);
  if (link && rules.link.allowed && rules.link.inText) {
    length += (caption.trim() ? 1 : 0) + (rules.link.countsAs ?? characterLength(link));
  }
  if (length > rules.text.maxLength) {
    const unit = rules.text.counting === 'twitter-weighted' ? 'weighted characters' : 'characters';
    out.push({
      rule: 'text.maxLength',
      field: 'caption',
      message: `${name} allows ${rules.text.maxLength} ${unit}; this text${link && rules.link.inText ? ' with its link' : ''} has ${length}`,
      limit: rules.text.maxLength,
      actual: length,
    });
  }
  const hashtags =
    extractHashtags(caption).length +
    (rules.hashtags.includesFirstComment && firstComment ? extractHashtags(firstComment).length : 0);
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
