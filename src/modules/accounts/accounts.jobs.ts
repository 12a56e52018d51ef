import { definePeriodic, type PeriodicTask } from '../../db/queue/contract.js';
import { accountsDueForRefresh, refreshAccount, type AccountsContext } from './accounts.service.js';

export interface TokenRefreshOptions {
  /** How often tokens about to expire are refreshed (default every minute)… */
  everyMs?: number;
  /** …and how far ahead of their expiry (default 15 minutes). */
  aheadMs?: number;
  onError?: (error: unknown, what: string) => void;
}

/** The worker's token refresh: accounts whose token expires soon get a new one from their platform. */
export function tokenRefreshTask(accounts: AccountsContext, options: TokenRefreshOptions = {}): PeriodicTask {
  const aheadMs = options.aheadMs ?? 15 * 60_000;
  return definePeriodic({
    name: 'token refresh',
    everyMs: options.everyMs ?? 60_000,
    async run() {
      const due = await accountsDueForRefresh(accounts.db, accounts.clock.now() + aheadMs);
      for (const account of due) {
        try {
          await refreshAccount(accounts, account.id);
        } catch (error) {
          // Retryable platform errors: the account keeps its token and the next sweep tries again.
          options.onError?.(error, `refreshing account ${account.id}`);
        }
      }
    },
  });
}
