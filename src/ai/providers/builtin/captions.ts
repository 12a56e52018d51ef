import { invalidInput } from '../../../shared/errors.js';
import type { CaptionHints, CaptionLayout, PlatformRules } from '../../../platforms/definition.js';
import { platformDefinition } from '../../../platforms/platforms.js';
import { textLength } from '../../../platforms/text.js';
import { captionViolations, fitCaption, hashtagLimit } from '../../captions.js';
import { resolveTone, type Tone } from '../../tones.js';
import type { CaptionDraft, CaptionRequest } from '../../types.js';
import { BANKS, CALLS_TO_ACTION, goalKey } from './phrases.js';
import { capitalize, cleanTopic, hashtagsFrom, seededRandom, shorten } from './words.js';

/** The pieces of one draft; `compose` lays them out the platform's way. */
interface Parts {
  hook: string;
  body: string;
  cta: string;
  emoji: string[];
  tags: string[];
}

function fill(template: string, topic: string, brand: string | null): string {
  return template
    .replaceAll('{Topic}', capitalize(topic))
    .replaceAll('{topic}', topic)
    .replaceAll('{Brand}', brand ?? 'Our team')
    .replace(/…[.:]/gu, '…');
}

const hashtagLine = (tags: string[]) => tags.map((t) => `#${t}`).join(' ');
const join = (...parts: string[]) => parts.filter(Boolean).join(' ');

/** The platform's layout (its definition's `captions.layout`). */
function compose(layout: CaptionLayout, p: Parts): string {
  const [e1 = '', e2 = ''] = p.emoji;
  switch (layout) {
    case 'one-line':
      return join(p.hook, e1, hashtagLine(p.tags));
    case 'paragraphs':
      return [join(p.hook, e1), p.body, p.cta, hashtagLine(p.tags)].filter(Boolean).join('\n\n');
    case 'hashtag-block':
      return [join(e1, p.hook), p.body, join(p.cta, e2), hashtagLine(p.tags)].filter(Boolean).join('\n\n');
    case 'conversational':
      return [join(p.hook, p.body), join(p.cta, e1), hashtagLine(p.tags)].filter(Boolean).join('\n\n');
  }
}

/** Emoji a tone may use on the platform. */
function emojiCount(hints: CaptionHints, tone: Tone): number {
  return hints.emoji.byTone?.[tone] ?? hints.emoji.default;
}

function pick<T>(list: readonly T[], index: number): T {
  return list[((index % list.length) + list.length) % list.length]!;
}

function draftParts(
  req: CaptionRequest,
  hints: CaptionHints,
  rules: PlatformRules,
  tone: Tone,
  topic: string,
  variant: number,
  rnd: () => number,
): Parts {
  const bank = BANKS[tone];
  const brand = cleanTopic(req.brand?.name ?? '') || null;
  const offset = Math.floor(rnd() * 1000);
  const body = [
    req.pillar ? `Part of our ${cleanTopic(req.pillar)} series.` : '',
    fill(pick(bank.bodies, offset + variant), topic, brand),
  ]
    .filter(Boolean)
    .join(' ');
  const emoji = Array.from({ length: emojiCount(hints, tone) }, (_, k) =>
    pick(bank.emoji, offset + variant + k * 2),
  );
  const extra = [req.pillar ?? '', brand ?? ''].filter(Boolean);
  const tags = hashtagsFrom(req.topic, extra).slice(0, hashtagLimit(rules, hints.hashtags));
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
  const { rules, captions: hints } = platformDefinition(req.platform)!;
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
  for (const length of hints.topicLengths) {
    const parts = draftParts(req, hints, rules, tone, shorten(topic, length), variant, seededRandom(seed));
    for (let tags = parts.tags.length; tags >= 0; tags--) {
      const caption = compose(hints.layout, { ...parts, tags: parts.tags.slice(0, tags) });
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
    compose(
      hints.layout,
      draftParts(req, hints, rules, tone, shorten(topic, 16), variant, seededRandom(seed)),
    ),
  )!;
}

/** `n` drafts for the request; the same request (seed included) always gives the same drafts. */
export function builtinCaptions(req: CaptionRequest): CaptionDraft[] {
  if (!platformDefinition(req.platform)) {
    throw invalidInput([{ field: 'platform', reason: `Unknown platform '${req.platform}'` }]);
  }
  const tone = resolveTone(req.tone, req.brand?.voice, req.platform);
  return Array.from({ length: req.n }, (_, i) => fitted(req, tone, i));
}
