import { queryOptions } from '@tanstack/react-query';
import type { Plan, PlanCreateParams, PlanItem, PlanPreviewParams } from '@audenci/sdk-js';
import { client } from '../../api/client';

export type { Plan, PlanItem };
export type PlanParams = PlanPreviewParams;
export type PlanItemInput = NonNullable<PlanCreateParams['items']>[number];
export type PlatformName = PlanItem['platform'];

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
