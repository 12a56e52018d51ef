import { DRAFT_LIMITS } from '../../ai/index.js';
import type { Platform } from '../../platforms/platforms.js';
import { extractHashtags } from '../../platforms/text.js';
import { toIso } from '../../shared/clock.js';
import type { FieldProblem } from '../../shared/errors.js';
import { captionViolations } from './plans.captions.js';
import { suggestMedia, type MediaSuggestion, type PlanItem, type PlanParameters } from './plans.generate.js';
import { normalPillar } from './plans.input.js';
import { formatLocal } from './plans.timezone.js';

/**
 * Items a person edited before saving a plan (`POST /plans` with `items`): a preview's items with
 * captions rewritten, times moved, some dropped. The server keeps the rules a generated item keeps —
 * one of the plan's platforms, a time ahead inside the range, a caption valid for the platform's text
 * rules — and derives the rest (`localTime`, `hashtags`, a missing `mediaSuggestion`).
 */
export interface PlanItemInput {
  platform: Platform;
  scheduledFor: string;
  caption: string;
  pillar: string;
  mediaSuggestion?: MediaSuggestion;
}

export interface ItemsContext {
  params: PlanParameters;
  start: number;
  end: number;
  now: number;
  brandName: string;
}

/** The items as the plan stores them, sorted by time, or the problems of each (`items.3.caption`). */
export function givenItems(
  input: PlanItemInput[],
  context: ItemsContext,
): { items: PlanItem[]; problems: FieldProblem[] } {
  const { params, start, end, now } = context;
  const problems: FieldProblem[] = [];
  const items: PlanItem[] = [];
  input.forEach((item, i) => {
    const at = (field: string, reason: string) => problems.push({ field: `items.${i}.${field}`, reason });
    const before = problems.length;
    if (!params.platforms.includes(item.platform)) {
      at('platform', `Must be one of the plan's platforms: ${params.platforms.join(', ')}`);
    }
    const ms = Date.parse(item.scheduledFor);
    if (!(ms >= start && ms < end)) {
      at('scheduledFor', `Must be inside the plan's range [${toIso(start)}, ${toIso(end)})`);
    } else if (ms <= now) {
      at('scheduledFor', 'Must be in the future: a plan schedules what is ahead');
    }
    const caption = item.caption.trim();
    const captionProblem = captionProblemOf(item.platform, caption);
    if (captionProblem) {
      at('caption', captionProblem);
    }
    const pillar = normalPillar(item.pillar);
    if (!pillar) {
      at('pillar', 'Must not be blank');
    }
    if (problems.length > before) return;
    items.push({
      platform: item.platform,
      scheduledFor: toIso(ms),
      localTime: formatLocal(params.timezone, ms),
      caption,
      hashtags: extractHashtags(caption),
      pillar,
      mediaSuggestion:
        item.mediaSuggestion ?? suggestMedia(item.platform, pillar, context.brandName, params.goal),
    });
  });
  items.sort((a, b) => Date.parse(a.scheduledFor) - Date.parse(b.scheduledFor));
  return { items, problems };
}

/** Why a caption cannot stand in a plan: blank, against its platform's text rules, or too many tags. */
function captionProblemOf(platform: Platform, caption: string): string | undefined {
  if (!caption) return 'Must not be blank';
  const [broken] = captionViolations(platform, caption);
  if (broken) return broken.message;
  const tags = extractHashtags(caption);
  if (tags.length > DRAFT_LIMITS.hashtags) return `At most ${DRAFT_LIMITS.hashtags} hashtags in a plan item`;
  if (tags.some((tag) => tag.length > DRAFT_LIMITS.hashtag))
    return `A hashtag may be at most ${DRAFT_LIMITS.hashtag} characters`;
  return undefined;
}
