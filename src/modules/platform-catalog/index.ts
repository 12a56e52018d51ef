/**
 * The `/platforms` API resource: each network's publishing rules, read-only, as the platform registry
 * (`src/platforms/platforms.ts`) holds them. The networks themselves — connectors, rules data, AI
 * hints, posting times — live in `src/platforms/<name>/`; this module only serves them over HTTP.
 */
export { PlatformName, PlatformRulesSchema, SocialNetwork } from './platform-catalog.schemas.js';
export { platformsRoutes } from './platform-catalog.routes.js';
