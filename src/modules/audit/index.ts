export {
  auditActor,
  auditOrigin,
  recordAudit,
  SYSTEM_ORIGIN,
  type AuditActor,
  type AuditOrigin,
  type NewAuditEntry,
} from './audit.service.js';
export { AuditEntrySchema } from './audit.schemas.js';
export { auditRoutes } from './audit.routes.js';
