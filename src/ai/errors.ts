import { AppError } from '../shared/errors.js';

/**
 * The two ways a provider call fails, in the contract's error envelope. Messages are ours: never the
 * provider's body (which may echo the prompt) nor anything of the API key.
 */

/** 502 `AI_PROVIDER_ERROR`: the provider answered, but with an error or something unusable. */
export function providerError(message: string, status?: number): AppError {
  return new AppError('AI_PROVIDER_ERROR', message, {
    provider: 'openai-compatible',
    ...(status !== undefined ? { providerStatus: status } : {}),
  });
}

/** 503 `AI_PROVIDER_UNAVAILABLE`: unreachable, too slow, or still rate-limiting after our retries. */
export function providerUnavailable(message: string, retryAfterSeconds?: number): AppError {
  return new AppError(
    'AI_PROVIDER_UNAVAILABLE',
    message,
    { provider: 'openai-compatible' },
    retryAfterSeconds !== undefined ? { 'Retry-After': String(retryAfterSeconds) } : {},
  );
}
