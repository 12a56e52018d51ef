import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../../db/database.js';
import type { ListParams } from '../../db/paginate.js';
import type { AuditLogTable } from '../../db/tables/people.js';
import { toIso } from '../../shared/clock.js';
import { invalidInput } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Environment, Tenant } from '../../shared/tenant.js';
import type { ServiceContext } from '../context.js';
import { tenantList, BY_CREATED_AT, type Listing } from '../lists.js';
import * as repo from './audit.repository.js';

/** Who did it: a person, an API key, or Audenci itself (the CLI, the first start). */
export interface AuditActor {
  type: AuditLogTable['actor_type'];
  /** The user's or the key's id; null for the system. */
  id: string | null;
}

/** Who asked for a change and from where: what a service records with it. */
export interface AuditOrigin {
  actor: AuditActor;
  ip: string | null;
}

/** Changes made by operators (CLI) or by Audenci itself, not through a request. */
export const SYSTEM_ORIGIN: AuditOrigin = { actor: { type: 'system', id: null }, ip: null };

/**
 * The actor of a request's principal: a signed-in person (`userId`) or an API key (`keyId`). It reads the
 * fields rather than the principal's type so that it holds for every kind of principal.
 */
export function auditActor(principal: object): AuditActor {
  if ('userId' in principal && typeof principal.userId === 'string') {
    return { type: 'user', id: principal.userId };
  }
  if ('keyId' in principal && typeof principal.keyId === 'string') {
    return { type: 'api_key', id: principal.keyId };
  }
  return SYSTEM_ORIGIN.actor;
}

/** The origin of a request: its principal's actor and the client's address. */
export function auditOrigin(request: { principal: object; ip: string }): AuditOrigin {
  return { actor: auditActor(request.principal), ip: request.ip };
}

export interface NewAuditEntry extends AuditOrigin {
  organizationId: string;
  /** The environment the action happened in; null for the organization itself (members, roles). */
  environment: Environment | null;
  /** `<object>.<verb>`, e.g. `api_key.revoked`. */
  action: string;
  target?: { type: string; id: string };
  /** What the action changed. Never a secret: no key, webhook secret, password or token. */
  data?: Record<string, unknown>;
  /** When (epoch ms): the change's own time. */
  at: number;
}

/** Fields that hold secrets; an entry naming one is a bug in its caller, refused before it is stored. */
const SECRET_FIELDS = new Set(['key', 'secret', 'password', 'token']);

/**
 * Records a security-relevant action. `db` must be the transaction of the change it records, so that
 * both commit or neither does.
 */
export async function recordAudit(db: Kysely<Database>, entry: NewAuditEntry): Promise<void> {
  const secret = Object.keys(entry.data ?? {}).find((field) => SECRET_FIELDS.has(field));
  if (secret !== undefined) throw new Error(`An audit entry must not hold a secret ('${secret}')`);
  await repo.insertEntry(db, {
    id: newId('audit', entry.at),
    organization_id: entry.organizationId,
    environment: entry.environment,
    actor_type: entry.actor.type,
    actor_id: entry.actor.id,
    action: entry.action,
    target_type: entry.target?.type ?? null,
    target_id: entry.target?.id ?? null,
    ip: entry.ip,
    data: entry.data === undefined ? null : JSON.stringify(entry.data),
    created_at: entry.at,
  });
}

/** An entry as `GET /audit-log` shows it. */
export interface AuditEntry {
  id: string;
  action: string;
  environment: Environment | null;
  actor: AuditActor;
  target: { type: string; id: string } | null;
  ip: string | null;
  data: Record<string, unknown> | null;
  createdAt: string;
}

function toAuditEntry(row: Selectable<AuditLogTable>): AuditEntry {
  return {
    id: row.id,
    action: row.action,
    environment: row.environment,
    actor: { type: row.actor_type, id: row.actor_id },
    target:
      row.target_type !== null && row.target_id !== null
        ? { type: row.target_type, id: row.target_id }
        : null,
    ip: row.ip,
    data: row.data === null ? null : (JSON.parse(row.data) as Record<string, unknown>),
    createdAt: toIso(row.created_at),
  };
}

export interface AuditListQuery {
  action?: string;
  actorId?: string;
  targetId?: string;
  createdAfter?: string;
  createdBefore?: string;
}

// Entries are written by every module's transactions, not through one service: the total is counted.
const listEntries = tenantList({
  query: repo.entriesQuery,
  sorts: { createdAt: BY_CREATED_AT },
  show: toAuditEntry,
});

/** The entries of the caller's environment and of its organization, newest first by default. */
export function listAuditLog(
  ctx: ServiceContext,
  tenant: Tenant,
  params: ListParams,
  query: AuditListQuery,
): Promise<Listing<AuditEntry>> {
  const after = query.createdAfter === undefined ? undefined : Date.parse(query.createdAfter);
  const before = query.createdBefore === undefined ? undefined : Date.parse(query.createdBefore);
  if (after !== undefined && before !== undefined && before <= after) {
    throw invalidInput([{ field: 'createdBefore', reason: 'Must be after createdAfter' }], undefined, {
      location: 'query',
    });
  }
  const { action, actorId, targetId } = query;
  return listEntries(ctx, tenant, params, {
    action,
    actorId,
    targetId,
    createdAfter: after,
    createdBefore: before,
  });
}
