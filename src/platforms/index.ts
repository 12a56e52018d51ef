import type { Config, PlatformName } from '../config/index.js';
import type { ConnectorEnvironment, PlatformConnector } from './connector.js';
import { createFacebookConnector } from './facebook/facebook.connector.js';
import { createInstagramConnector } from './instagram/instagram.connector.js';
import { ConnectorRegistry } from './registry.js';
import { createSandboxConnector } from './sandbox/sandbox.connector.js';
import { createTwitterConnector } from './twitter/twitter.connector.js';

export { ConnectorRegistry } from './registry.js';
export { PlatformError, type PlatformConnector, type PlatformErrorKind } from './connector.js';

const FACTORIES: Record<PlatformName, (env: ConnectorEnvironment) => PlatformConnector> = {
  twitter: createTwitterConnector,
  facebook: (env) => createFacebookConnector(env),
  instagram: (env) => createInstagramConnector(env),
};

/** Per-request timeout towards platforms. */
export const PLATFORM_TIMEOUT_MS = 30_000;

/**
 * The live connectors for every platform this server has an app for (client id set), and the sandbox
 * that serves the test environment.
 */
export function createConnectorRegistry(
  config: Config,
  now: () => number,
  fetchImpl: typeof fetch = fetch,
): ConnectorRegistry {
  const live: Partial<Record<string, PlatformConnector>> = {};
  for (const [name, factory] of Object.entries(FACTORIES) as [
    PlatformName,
    (env: ConnectorEnvironment) => PlatformConnector,
  ][]) {
    const platform = config.platforms[name];
    if (!platform.clientId) continue;
    live[name] = factory({
      apiBaseUrl: platform.apiBaseUrl,
      authBaseUrl: platform.authBaseUrl,
      clientId: platform.clientId,
      clientSecret: platform.clientSecret,
      fetch: fetchImpl,
      now,
      timeoutMs: PLATFORM_TIMEOUT_MS,
    });
  }
  return new ConnectorRegistry(live, createSandboxConnector({ now, publicUrl: config.publicUrl }));
}
