import { invalidInput } from '../../../shared/errors.js';
import { rulesFor, textLength } from '../../../platforms/rules.js';
import { captionViolations, fitCaption, hashtagLimit } from '../../captions.js';
import { resolveTone, type Tone } from '../../tones.js';
import type { CaptionDraft, CaptionRequest } from '../../types.js';
import { BANKS, CALLS_TO_ACTION, goalKey, PLATFORM_STYLE } from './phrases.js';
import { capitalize, cleanTopic, hashtagsFrom, seededRandom, shorten } from './words.js';

/** The pieces of one draft; `compose` lays them out the platform's way. */
interface Parts {
  hook: string;
  body: string;
  cta: string;
  emoji: string[];
  tags: string[];
}

/**
 * Topic lengths tried, longest first, until the caption fits the platform (the last is a word or two).
 * X starts shorter: a tweet is one short line, not the whole topic.
 */
const TOPIC_LENGTHS = [200, 120, 80, 50, 30, 16];
const X_TOPIC_LENGTHS = [100, 80, 50, 30, 16];

function fill(template: string, topic: string, brand: string | null): string {
  return template
    .replaceAll('{Topic}', capitalize(topic))
    .replaceAll('{topic}', topic)
    .replaceAll('{Brand}', brand ?? 'Our team')
    .replace(/…[.:]/gu, '…');
}

const hashtagLine = (tags: string[]) => tags.map((t) => `#${t}`).join(' ');
const join = (...parts: string[]) => parts.filter(Boolean).join(' ');

/** Platform conventions: X one short line; LinkedIn paragraphs; Instagram a hashtag block; Facebook chatty. */
function compose(platform: string, p: Parts): string {
  const [e1 = '', e2 = ''] = p.emoji;
  switch (platform) {
    case 'twitter':
      return join(p.hook, e1, hashtagLine(p.tags));
    case 'linkedin':
      return [join(p.hook, e1), p.body, p.cta, hashtagLine(p.tags)].filter(Boolean).join('\n\n');
    case 'instagram':
      return [join(e1, p.hook), p.body, join(p.cta, e2), hashtagLine(p.tags)].filter(Boolean).join('\n\n');
    default:
      return [join(p.hook, p.body), join(p.cta, e1), hashtagLine(p.tags)].filter(Boolean).join('\n\n');
  }
}

function pick<T>(list: readonly T[], index: number): T {
  return list[((index % list.length) + list.length) % list.length]!;
}

function draftParts(
  req: CaptionRequest,
  tone: Tone,
  topic: string,
  variant: number,
  rnd: () => number,
): Parts {
  const bank = BANKS[tone];
  const style = PLATFORM_STYLE[req.platform] ?? PLATFORM_STYLE.facebook!;
  const rules = rulesFor(req.platform)!;
  const brand = cleanTopic(req.brand?.name ?? '') || null;
  const offset = Math.floor(rnd() * 1000);
  const body = [
    req.pillar ? `Part of our ${cleanTopic(req.pillar)} series.` : '',
    fill(pick(bank.bodies, offset + variant), topic, brand),
  ]
    .filter(Boolean)
    .join(' ');
  const emojiCount = style.emoji(tone);
  const emoji = Array.from({ length: emojiCount }, (_, k) => pick(bank.emoji, offset + variant + k * 2));
  const extra = [req.pillar ?? '', brand ?? ''].filter(Boolean);
  const tags = hashtagsFrom(req.topic, extra).slice(0, hashtagLimit(rules, style.hashtags));
  return {
    hook: fill(pick(bank.hooks, offset + variant), topic, brand),
    body,
    cta: pick(CALLS_TO_ACTION[goalKey(req.goal)], offset + variant),
    emoji,
    tags,
  };
}

/** One draft that fits: the topic is shortened, then hashtags dropped, until the rules are met. */
function fitted(req: CaptionRequest, tone: Tone, variant: number): CaptionDraft {
  const rules = rulesFor(req.platform)!;
  const topic = cleanTopic(req.topic) || 'what we do';
  const seed = JSON.stringify([
    req.seed ?? '',
    req.topic,
    req.platform,
    tone,
    req.brand?.name ?? '',
    req.pillar ?? '',
    req.goal ?? '',
  ]);
  for (const length of req.platform === 'twitter' ? X_TOPIC_LENGTHS : TOPIC_LENGTHS) {
    const parts = draftParts(req, tone, shorten(topic, length), variant, seededRandom(seed));
    for (let tags = parts.tags.length; tags >= 0; tags--) {
      const caption = compose(req.platform, { ...parts, tags: parts.tags.slice(0, tags) });
      if (
        textLength(rules, caption) <= rules.text.maxLength &&
        captionViolations(req.platform, caption).length === 0
      ) {
        return { caption, hashtags: parts.tags.slice(0, tags) };
      }
    }
  }
  // Unreachable with the banks above (the shortest form is far under every limit); kept as a net.
  return fitCaption(
    req.platform,
    compose(req.platform, draftParts(req, tone, shorten(topic, 16), variant, seededRandom(seed))),
  )!;
}

/** `n` drafts for the request; the same request (seed included) always gives the same drafts. */
export function builtinCaptions(req: CaptionRequest): CaptionDraft[] {
  if (!rulesFor(req.platform)) {
    throw invalidInput([{ field: 'platform', reason: `Unknown platform '${req.platform}'` }]);
  }
  const tone = resolveTone(req.tone, req.brand?.voice, req.platform);
  return Array.from({ length: req.n }, (_, i) => fitted(req, tone, i));
}
