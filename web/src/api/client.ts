import { Audenci } from '@audenci/sdk-js';
import { currentCsrfToken } from './auth';

/**
 * The app's one SDK client, in session mode: the session cookie authenticates, the CSRF token goes with
 * every change, and the API is the page's own origin.
 */
export const client = new Audenci({
  baseUrl: window.location.origin,
  session: { csrfToken: currentCsrfToken },
  timeout: 15_000,
  maxRetries: 2,
});
