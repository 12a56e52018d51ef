import type { Environment } from '../shared/tenant.js';
import { boundedConnector } from './bounds.js';
import type { PlatformConnector } from './connector.js';

/**
 * Which connector serves a platform in an environment. Test-environment posts always go to the sandbox
 * connector, whatever their platform: they never reach a real network.
 */
export class ConnectorRegistry {
  private readonly live: Partial<Record<string, PlatformConnector>>;
  private readonly sandbox: PlatformConnector;

  /** Every connector is served bounded (bounds.ts): what a platform answers enters within the API's limits. */
  constructor(live: Partial<Record<string, PlatformConnector>>, sandbox: PlatformConnector) {
    this.live = Object.fromEntries(
      Object.entries(live).flatMap(([name, c]) => (c ? [[name, boundedConnector(c)]] : [])),
    );
    this.sandbox = boundedConnector(sandbox);
  }

  get(platform: string, environment: Environment): PlatformConnector | undefined {
    return environment === 'test' ? this.sandbox : this.live[platform];
  }
}
