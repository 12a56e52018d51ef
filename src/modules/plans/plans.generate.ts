import type { AiProvider } from '../../ai/index.js';
import { platformDefinition, type Platform } from '../../platforms/platforms.js';
import { toIso } from '../../shared/clock.js';
import { writeCaptions } from './plans.captions.js';
import { candidateSlots, MIN_GAP_MS, pickSlots, postCount } from './plans.schedule.js';
import { formatLocal } from './plans.timezone.js';

/** The parameters a plan is generated from, defaults resolved (what `POST /plans` stores). */
export interface PlanParameters {
  brandId: string;
  /** The range, [startDate, endDate), as UTC instants (a `YYYY-MM-DD` input is local midnight). */
  startDate: string;
  endDate: string;
  platforms: Platform[];
  postsPerWeek: number;
  pillars: string[];
  goal: string | null;
  timezone: string;
}

/** What to attach before scheduling: a prompt for `POST /images/generate`, or a brief for a video. */
export interface MediaSuggestion {
  type: 'image' | 'video';
  aspectRatio: string;
  prompt: string;
}

export interface PlanItem {
  platform: Platform;
  /** UTC. */
  scheduledFor: string;
  /** The same instant as the plan's time zone shows it, with its offset. */
  localTime: string;
  caption: string;
  hashtags: string[];
  pillar: string;
  mediaSuggestion: MediaSuggestion;
}

export interface PlanSummary {
  totalItems: number;
  byPlatform: Record<string, number>;
  byPillar: Record<string, number>;
  /** Per platform: posts the rate asked for that found no free good posting time. */
  unplaced: Record<string, number>;
  startDate: string;
  endDate: string;
  timezone: string;
  postsPerWeek: number;
}

export interface PlanPreview {
  items: PlanItem[];
  summary: PlanSummary;
}

export const DEFAULT_PILLARS = ['education', 'behind the scenes', 'product', 'community'];

const IDEAS: Record<string, { type: 'image' | 'video'; idea: string }> = {
  education: { type: 'image', idea: 'A clear, friendly infographic with one practical tip' },
  'behind the scenes': { type: 'video', idea: 'A short candid clip of the team at work' },
  product: { type: 'image', idea: 'A clean product shot in natural light' },
  community: { type: 'image', idea: 'A warm photo of customers using the product, shared with permission' },
};

/** The platform's habit (its definition's `captions.aspectRatio`): portrait on Instagram, landscape elsewhere. */
function aspectRatio(platform: Platform, type: 'image' | 'video'): string {
  return platformDefinition(platform)!.captions.aspectRatio[type];
}

export function suggestMedia(
  platform: Platform,
  pillar: string,
  brand: string,
  goal: string | null,
): MediaSuggestion {
  const known = IDEAS[pillar.toLowerCase()];
  const type = known?.type ?? 'image';
  const idea = known?.idea ?? `An eye-catching image about ${pillar}`;
  return {
    type,
    aspectRatio: aspectRatio(platform, type),
    prompt: `${idea} for ${brand}${goal ? ` (${goal})` : ''}`,
  };
}

export interface GenerateInput {
  params: PlanParameters;
  /** The range as epoch milliseconds. */
  start: number;
  end: number;
  brand: { name: string; voice: string | null };
  /** Instants already taken per platform (scheduled posts, planned drafts). */
  taken: Map<string, number[]>;
  now: number;
  /** Stable for the same parameters. */
  seed: string;
}

/**
 * Builds a preview: per platform, `postCount` posts at its posting times in the plan's zone, spread
 * evenly over the part of the range still ahead, clear of taken times; pillars rotate per platform
 * (offset by the platform's position, so posts on the same day differ); captions from the provider.
 */
export async function generatePlan(ai: AiProvider, input: GenerateInput): Promise<PlanPreview> {
  const { params, end } = input;
  const from = Math.max(input.start, input.now + 1);
  const zone = params.timezone;
  const pillars = params.pillars;
  const slots: { platform: Platform; ms: number; pillar: string; order: number }[] = [];
  const unplaced: Record<string, number> = {};
  params.platforms.forEach((platform, p) => {
    const count = postCount(params.postsPerWeek, from, end);
    const taken = input.taken.get(platform) ?? [];
    const picked = pickSlots(candidateSlots(platform, zone, from, end), count, from, end, taken);
    unplaced[platform] = count - picked.length;
    picked.forEach((ms, k) =>
      slots.push({ platform, ms, pillar: pillars[(k + p) % pillars.length]!, order: p }),
    );
  });
  slots.sort((a, b) => a.ms - b.ms || a.order - b.order);

  const captions = await writeCaptions(ai, slots, {
    brand: input.brand,
    goal: params.goal,
    seed: input.seed,
  });
  const items: PlanItem[] = slots.map((slot, i) => ({
    platform: slot.platform,
    scheduledFor: toIso(slot.ms),
    localTime: formatLocal(zone, slot.ms),
    caption: captions[i]!.caption,
    hashtags: captions[i]!.hashtags,
    pillar: slot.pillar,
    mediaSuggestion: suggestMedia(slot.platform, slot.pillar, input.brand.name, params.goal),
  }));
  return { items, summary: summarize(items, params, unplaced) };
}

/** The summary of `items`: counts per platform and pillar (each of the plan's listed with 0 too). */
export function summarize(
  items: PlanItem[],
  params: PlanParameters,
  unplaced: Record<string, number>,
): PlanSummary {
  const count = (key: (item: PlanItem) => string, keys: string[]) => {
    const out: Record<string, number> = Object.fromEntries(keys.map((k) => [k, 0]));
    for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
    return out;
  };
  return {
    totalItems: items.length,
    byPlatform: count((item) => item.platform, params.platforms),
    byPillar: count((item) => item.pillar, params.pillars),
    unplaced,
    startDate: params.startDate,
    endDate: params.endDate,
    timezone: params.timezone,
    postsPerWeek: params.postsPerWeek,
  };
}

/** How far around the range taken times matter: a post just outside it still keeps the gap. */
export const TAKEN_MARGIN_MS = MIN_GAP_MS;
