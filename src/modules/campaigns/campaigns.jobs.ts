import { definePeriodic, type PeriodicTask } from '../../db/queue/contract.js';
import type { ServiceContext } from '../context.js';
import { startDueCampaigns } from './campaigns.service.js';

/** The worker's campaign starts: campaigns whose start date arrived are started (`campaign.started`). */
export function campaignStartsTask(ctx: ServiceContext, everyMs = 1_000): PeriodicTask {
  return definePeriodic({
    name: 'campaign starts',
    everyMs,
    run: async () => void (await startDueCampaigns(ctx)),
  });
}
