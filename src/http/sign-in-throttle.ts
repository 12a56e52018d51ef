import type { Clock } from '../shared/clock.js';
import { AppError } from '../shared/errors.js';
import { tooManyFailures } from './auth.js';
import type { AuthFailureThrottle, FailureCount } from './auth-throttle.js';

/** Past the limit already (counted by another process first): refused like the next attempts. */
function pastLimit(failure: FailureCount | undefined): failure is FailureCount & { refusedUntil: number } {
  return failure !== undefined && failure.refusedUntil !== undefined && failure.count > failure.limit;
}

/** A sign-in whose password was right, answered with a request for the second factor: not a failure. */
function asksForSecondFactor(error: AppError): boolean {
  return error.details?.reason === 'two_factor_required';
}

/**
 * Failed sign-ins, counted per client address (the same count as refused API keys) and per account (the
 * email tried): after its limit either is answered 429 with `Retry-After` until its window ends, before
 * any password is checked. Guessing one person's password from many addresses, or many people's from
 * one, is slowed alike.
 */
export class SignInThrottle {
  constructor(
    private readonly byAddress: AuthFailureThrottle | undefined,
    private readonly byAccount: AuthFailureThrottle | undefined,
    private readonly clock: Clock,
  ) {}

  /**
   * Runs `attempt` unless refused; a 401 it throws counts as a failure of both, except one that only
   * asks for the second factor (`details.reason` `two_factor_required`: the password was right).
   */
  async guard<T>(address: string, account: string, attempt: () => Promise<T>): Promise<T> {
    const now = this.clock.now();
    const accountKey = `account:${account}`;
    const addressRefusal = this.byAddress?.refusal(address, now);
    if (addressRefusal) throw tooManyFailures(addressRefusal, now);
    const accountRefusal = this.byAccount?.refusal(accountKey, now);
    if (accountRefusal) throw tooManyFailures(accountRefusal, now, 'for this account');
    try {
      return await attempt();
    } catch (error) {
      if (error instanceof AppError && error.status === 401 && !asksForSecondFactor(error)) {
        const addressFailure = await this.byAddress?.fail(address, now);
        if (pastLimit(addressFailure)) {
          throw tooManyFailures({ until: addressFailure.refusedUntil, limit: addressFailure.limit }, now);
        }
        const accountFailure = await this.byAccount?.fail(accountKey, now);
        if (pastLimit(accountFailure)) {
          throw tooManyFailures(
            { until: accountFailure.refusedUntil, limit: accountFailure.limit },
            now,
            'for this account',
          );
        }
      }
      throw error;
    }
  }
}
