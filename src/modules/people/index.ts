export { ROLES, type Role } from '../../db/tables/people.js';
export { SessionStore, ROLE_SCOPES, type SessionSettings } from './people.sessions.js';
export { createSetupLink, setupLinkFor, SETUP_LINK_DAYS, type SetupLink } from './people.invitations.js';
export type { PeopleContext } from './people.service.js';
export { MeSchema, SessionSchema } from './people.schemas.js';
export { authRoutes, type AuthRouteDeps } from './people.routes.js';
export { meRoutes } from './me.routes.js';
export { membersRoutes } from './members.routes.js';
export { CreatedInvitationSchema, InvitationSchema, MemberSchema } from './members.schemas.js';
export {
  verifySecondFactor,
  secondFactorError,
  type SecondFactorRefusal,
  type TwoFactorContext,
} from './people.two-factor.js';
export { operatorResetLink, RESET_LINK_MS, type ResetLink } from './people.password-reset.js';
