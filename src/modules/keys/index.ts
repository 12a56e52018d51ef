export { SCOPES, SCOPE_ALIASES, canonicalScope, type Principal, type Scope } from '../../db/tables/keys.js';
export { parseKey, generateKey, KEY_PREFIX } from './keys.format.js';
export {
  createKey,
  listAllKeys,
  revokeKeyById,
  KeyAuthenticator,
  KeyUsage,
  type ApiKey,
  type ApiKeyWithSecret,
  type AuthResult,
} from './keys.service.js';
export { keysRoutes } from './keys.routes.js';
