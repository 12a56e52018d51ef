export { PlatformName, PlatformRulesSchema } from './platforms.schemas.js';
export { platformsRoutes } from './platforms.routes.js';
