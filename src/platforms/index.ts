import type { Config } from '../config/index.js';
import { platformDefinitions } from './platforms.js';
import { ConnectorRegistry } from './registry.js';
import { createSandboxConnector } from './sandbox/sandbox.connector.js';
import type { PlatformConnector } from './connector.js';

export { ConnectorRegistry } from './registry.js';
export { PlatformError, type PlatformConnector, type PlatformErrorKind } from './connector.js';

/** Per-request timeout towards platforms. */
export const PLATFORM_TIMEOUT_MS = 30_000;

/**
 * The live connectors for every registered platform that has one and that this server has an app for
 * (client id set), and the sandbox that serves the test environment.
 */
export function createConnectorRegistry(
  config: Config,
  now: () => number,
  fetchImpl: typeof fetch = fetch,
): ConnectorRegistry {
  const live: Partial<Record<string, PlatformConnector>> = {};
  for (const { name, connector } of platformDefinitions()) {
    if (!connector) continue;
    const settings = config.platforms[name as keyof Config['platforms']];
    if (!settings)
      throw new Error(`config has no settings for platform '${name}' (${connector.envPrefix}_*)`);
    if (!settings.clientId) continue;
    live[name] = connector.create({
      apiBaseUrl: settings.apiBaseUrl,
      authBaseUrl: settings.authBaseUrl,
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      fetch: fetchImpl,
      now,
      timeoutMs: PLATFORM_TIMEOUT_MS,
    });
  }
  return new ConnectorRegistry(live, createSandboxConnector({ now, publicUrl: config.publicUrl }));
}
