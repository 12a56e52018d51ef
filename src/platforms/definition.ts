import type { ConnectorEnvironment, PlatformConnector } from './connector.js';
import type { MediaType } from './media.js';

/**
 * What the platform registry knows of one social network. Each network declares its definition in
 * `src/platforms/<name>/definition.ts`; `platforms.ts` lists them — the one registration line. Rules,
 * AI habits, posting times and the sandbox's imitation are data here; nothing outside a network's
 * folder names a network.
 */

/**
 * The longest caption the API takes on any platform, in characters. Each platform's own limit is lower,
 * but X counts a link as 23 characters whatever its length, so its rule alone does not bound the text.
 */
export const MAX_CAPTION_LENGTH = 100_000;

/**
 * How the text limit is measured. `characters`: Unicode code points after NFC normalization.
 * `twitter-weighted`: X's weighted count (twitter-text v3), see `twitter/twitter.text.ts`.
 */
export type TextCounting = 'characters' | 'twitter-weighted';

/** What one platform accepts in one post (served as is by `GET /platforms`). `null`: no such limit. */
export interface PlatformRules<Name extends string = string> {
  platform: Name;
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

/** How the builtin caption writer lays a caption out (see `ai/providers/builtin/captions.ts`). */
export type CaptionLayout = 'one-line' | 'paragraphs' | 'hashtag-block' | 'conversational';

/** The network's habits, for the caption writers (builtin and model-backed). */
export interface CaptionHints {
  /** The tone used when neither the request nor the brand voice names one. */
  defaultTone: string;
  /** How many hashtags the builtin writer adds (the rules' `hashtags.max` still caps it). */
  hashtags: number;
  /** Emoji per caption: `default`, or the count for a tone named here. */
  emoji: { default: number; byTone?: Readonly<Record<string, number>> };
  layout: CaptionLayout;
  /** Topic lengths the builtin writer tries, longest first, until the caption fits. */
  topicLengths: readonly number[];
  /** Hashtags a model listed apart are appended on the same line (X) rather than after a blank line. */
  hashtagsInline: boolean;
  /** One line for a model's prompt: how captions look on this network. */
  prompt: string;
  /** The aspect ratios a plan suggests for new media. */
  aspectRatio: { image: string; video: string };
}

/**
 * A weekly window: on these local weekdays (0 Sunday … 6 Saturday), a post at each of these local
 * hours (on the hour). `rank` 0 is prime time, used first; rank 1 the other good times.
 */
export interface PostingWindow {
  days: readonly number[];
  hours: readonly number[];
  rank: 0 | 1;
}

/** Metrics the sandbox answers for a post of this network; the others are null, as the network's are. */
export type SandboxMetric = 'reach' | 'videoViews' | 'saves' | 'clicks';

/** A live connector: where its settings come from and how it is built. */
export interface LiveConnector {
  /**
   * The prefix of its environment variables (`<PREFIX>_CLIENT_ID`, `_CLIENT_SECRET`, `_API_BASE_URL`,
   * `_AUTH_BASE_URL`). `config` reads them; a test checks its list equals the registry's.
   */
  envPrefix: string;
  create(env: ConnectorEnvironment): PlatformConnector;
}

export interface PlatformDefinition<Name extends string = string> {
  name: Name;
  rules: PlatformRules<Name>;
  /** Absent for a network the API knows but no connector publishes to yet: the sandbox serves it. */
  connector?: LiveConnector;
  captions: CaptionHints;
  /**
   * Good posting times in the brand's local time. Hours on one day at least two hours apart, and at
   * least 21 distinct times a week (the highest `postsPerWeek`).
   */
  postingTimes: readonly PostingWindow[];
  sandbox: {
    /** Digits of the post ids the sandbox makes up (they look like the network's). */
    postIdDigits: number;
    /** Metrics the network does not report. */
    missingMetrics: readonly SandboxMetric[];
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** No cap on hashtags or mentions: most networks count neither. */
const UNCAPPED_HASHTAGS: PlatformRules['hashtags'] = { max: null, includesFirstComment: false };
const UNCAPPED_MENTIONS: PlatformRules['mentions'] = { max: null };

/** The topic lengths the builtin writer tries where a network does not need a shorter text. */
const DEFAULT_TOPIC_LENGTHS = [200, 120, 80, 50, 30, 16];

/**
 * What a network's `definition.ts` declares: its definition without what `definePlatform` fills in —
 * `rules.platform` (the name), uncapped `hashtags` and `mentions`, and the caption hints' default
 * `topicLengths` and `hashtagsInline: false`.
 */
export interface PlatformDeclaration<Name extends string> extends Omit<
  PlatformDefinition<Name>,
  'rules' | 'captions'
> {
  rules: Omit<PlatformRules<Name>, 'platform' | 'hashtags' | 'mentions'> &
    Partial<Pick<PlatformRules<Name>, 'hashtags' | 'mentions'>>;
  captions: Omit<CaptionHints, 'topicLengths' | 'hashtagsInline'> &
    Partial<Pick<CaptionHints, 'topicLengths' | 'hashtagsInline'>>;
}

/**
 * The media rules of a network whose post takes up to `maxImages` photos, or one video, or one GIF,
 * never together, with no bound on the images' aspect ratio.
 */
export function photosOrOneVideoOrGif(
  maxImages: number,
  videoSeconds: { min: number; max: number },
): PlatformRules['media'] {
  return {
    required: false,
    maxCount: maxImages,
    types: ['image', 'video', 'gif'],
    maxImages,
    maxVideos: 1,
    maxGifs: 1,
    mixing: false,
    minImageAspectRatio: null,
    maxImageAspectRatio: null,
    minVideoSeconds: videoSeconds.min,
    maxVideoSeconds: videoSeconds.max,
  };
}

/**
 * A network's definition, completed with the defaults (`PlatformDeclaration`) and frozen: everyone
 * shares one copy. The rules keep the order `GET /platforms` serves them in.
 */
export function definePlatform<const Name extends string>(
  declaration: PlatformDeclaration<Name>,
): Readonly<PlatformDefinition<Name>> {
  const { rules, captions } = declaration;
  return deepFreeze({
    ...declaration,
    rules: {
      platform: declaration.name,
      displayName: rules.displayName,
      text: rules.text,
      hashtags: rules.hashtags ?? { ...UNCAPPED_HASHTAGS },
      mentions: rules.mentions ?? { ...UNCAPPED_MENTIONS },
      media: rules.media,
      link: rules.link,
      firstComment: rules.firstComment,
      notes: rules.notes,
      sources: rules.sources,
    },
    captions: {
      defaultTone: captions.defaultTone,
      hashtags: captions.hashtags,
      emoji: captions.emoji,
      layout: captions.layout,
      topicLengths: captions.topicLengths ?? [...DEFAULT_TOPIC_LENGTHS],
      hashtagsInline: captions.hashtagsInline ?? false,
      prompt: captions.prompt,
      aspectRatio: captions.aspectRatio,
    },
  });
}
