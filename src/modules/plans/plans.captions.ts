import type { AiProvider, CaptionDraft } from '../../ai/index.js';
import { AppError } from '../../shared/errors.js';
import { rulesFor } from '../../platforms/rules.js';
import { extractHashtags, textLength } from '../../platforms/text.js';
import { validateDraft, type RuleViolation } from '../../platforms/validation.js';

/**
 * Captions for a plan's items, from the AI provider, each valid for its platform: a draft breaking a
 * text rule is asked for once more with another seed, and if that one breaks it too it is trimmed
 * (trailing hashtags first, then words) until it fits.
 */

/** Drafts asked for per provider call: one call serves up to this many items of a platform and pillar. */
const BATCH = 5;

export interface CaptionSlot {
  platform: string;
  pillar: string;
}

export interface CaptionContext {
  brand: { name: string; voice: string | null };
  goal: string | null;
  /** Stable for the same plan parameters: the builtin provider is deterministic per seed. */
  seed: string;
}

/**
 * The text rules a caption breaks on its platform. Media rules are left out: a plan item suggests its
 * media (`mediaSuggestion`), the user attaches it before scheduling.
 */
export function captionViolations(platform: string, caption: string): RuleViolation[] {
  return validateDraft({ platform, caption, mediaIds: [] }).filter((v) => !v.rule.startsWith('media.'));
}

/** Captions for `slots`, in order. */
export async function writeCaptions(
  ai: AiProvider,
  slots: CaptionSlot[],
  context: CaptionContext,
): Promise<CaptionDraft[]> {
  const out: CaptionDraft[] = new Array<CaptionDraft>(slots.length);
  const groups = new Map<string, number[]>();
  slots.forEach((slot, index) => {
    const key = `${slot.platform}\u0000${slot.pillar}`;
    groups.set(key, [...(groups.get(key) ?? []), index]);
  });
  for (const indexes of groups.values()) {
    const { platform, pillar } = slots[indexes[0]!]!;
    for (let at = 0; at < indexes.length; at += BATCH) {
      const chunk = indexes.slice(at, at + BATCH);
      const seed = `${context.seed}:${platform}:${pillar}:${at / BATCH}`;
      const drafts = await ask(ai, platform, pillar, context, chunk.length, seed);
      for (const [k, index] of chunk.entries()) {
        let draft = drafts[k];
        if (!draft || captionViolations(platform, draft.caption).length) {
          const [retry] = await ask(ai, platform, pillar, context, 1, `${seed}:${k}:retry`);
          draft = retry && !captionViolations(platform, retry.caption).length ? retry : (draft ?? retry);
        }
        if (!draft)
          throw new AppError('BAD_GATEWAY', `The AI provider wrote no caption for ${platform} (${pillar})`);
        out[index] = fitCaption(platform, draft);
      }
    }
  }
  return out;
}

function ask(
  ai: AiProvider,
  platform: string,
  pillar: string,
  context: CaptionContext,
  n: number,
  seed: string,
): Promise<CaptionDraft[]> {
  return ai.generateCaptions({
    topic: pillar,
    platform,
    n,
    brand: context.brand,
    pillar,
    goal: context.goal,
    seed,
  });
}

/**
 * The draft made to fit its platform's text rules: hashtags dropped from the end while there are too
 * many or the text is too long, then words dropped from the end (with an ellipsis). `hashtags` keeps
 * those still in the caption.
 */
export function fitCaption(platform: string, draft: CaptionDraft): CaptionDraft {
  const rules = rulesFor(platform);
  let caption = draft.caption.trim();
  if (!rules) return { caption, hashtags: draft.hashtags };
  const broken = () => captionViolations(platform, caption).length > 0;
  const tooLong = () => textLength(rules, caption) > rules.text.maxLength;
  const tooManyTags = () =>
    rules.hashtags.max !== null && extractHashtags(caption).length > rules.hashtags.max;
  while (broken() && (tooManyTags() || tooLong()) && /\s*[#＃][\p{L}\p{M}\p{N}_]+\s*$/u.test(caption)) {
    caption = caption.replace(/\s*[#＃][\p{L}\p{M}\p{N}_]+\s*$/u, '');
  }
  if (tooManyTags()) {
    // Hashtags inside the text: the ones past the limit become plain words.
    let seen = 0;
    caption = caption.replace(/(?<![\p{L}\p{M}\p{N}_&])[#＃](?=[\p{L}\p{M}\p{N}_]*\p{L})/gu, (hash) =>
      ++seen > rules.hashtags.max! ? '' : hash,
    );
  }
  if (tooLong()) {
    const words = caption.split(/(\s+)/);
    while (words.length > 1 && textLength(rules, `${words.join('').trimEnd()}…`) > rules.text.maxLength)
      words.pop();
    caption = `${words.join('').trimEnd()}…`;
    // One word longer than the limit: cut it by code points.
    while (tooLong()) caption = `${[...caption].slice(0, -2).join('')}…`;
  }
  const left = new Set(extractHashtags(caption).map((t) => t.toLowerCase()));
  return { caption, hashtags: draft.hashtags.filter((t) => left.has(t.toLowerCase())) };
}
