import { definePeriodic, type PeriodicTask } from '../../db/queue/contract.js';
import { sweepMediaTemporary } from './media.context.js';
import type { MediaContext } from './media.service.js';

/**
 * The worker's sweep of the temporary media area. Start-up sweeps it too; this bounds what a crashed
 * upload leaves even without a restart.
 */
export function mediaTemporaryTask(media: MediaContext): PeriodicTask {
  return definePeriodic({
    name: 'media temporary sweep',
    everyMs: media.temporaryStaleAfterMs,
    run: async () => void (await sweepMediaTemporary(media)),
  });
}
