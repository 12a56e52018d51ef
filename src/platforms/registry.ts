import type { Environment } from '../shared/tenant.js';
import type { PlatformConnector } from './connector.js';

/**
 * Which connector serves a platform in an environment. Test-environment posts always go to the sandbox
 * connector, whatever their platform (CONTRACT §4): they never reach a real network.
 */
export class ConnectorRegistry {
  constructor(
    private readonly live: Partial<Record<string, PlatformConnector>>,
    private readonly sandbox: PlatformConnector,
  ) {}

  get(platform: string, environment: Environment): PlatformConnector | undefined {
    return environment === 'test' ? this.sandbox : this.live[platform];
  }
}
