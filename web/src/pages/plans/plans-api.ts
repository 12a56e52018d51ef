import { queryOptions } from '@tanstack/react-query';
import type { Plan, PlanCreateParams, PlanItem, PlanPreviewParams } from '@audenci/sdk-js';
import { client } from '../../api/client';
import { listAll } from '../../api/lists';

export type { Plan, PlanItem };
export type PlanParams = PlanPreviewParams;
export type PlanItemInput = NonNullable<PlanCreateParams['items']>[number];
export type PlatformName = PlanItem['platform'];

/** The organization's brands, as the brands page lists them (same key, same data). */
export const brandsQuery = queryOptions({
  queryKey: ['brands', 'all'] as const,
  queryFn: () => listAll(client.brands.list({ sortBy: 'name', limit: 100 })),
});

/** Every platform with its rules (names, text limit): the wizard's choices. */
export const platformsQuery = queryOptions({
  queryKey: ['platforms'] as const,
  queryFn: () => client.platforms.list(),
  staleTime: Infinity,
});

export const planQuery = (id: string) =>
  queryOptions({ queryKey: ['plans', id] as const, queryFn: () => client.plans.retrieve(id) });

/** What a saved plan's items become when sent back: the fields a person may edit. */
export function itemInput(item: PlanItem): PlanItemInput {
  return {
    platform: item.platform,
    scheduledFor: item.scheduledFor,
    caption: item.caption,
    pillar: item.pillar,
    mediaSuggestion: item.mediaSuggestion,
  };
}
