import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { ListParams } from '../../db/paginate.js';
import { toIso, type Clock } from '../../shared/clock.js';
import { AppError, invalidInput, notFound, type FieldProblem } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Environment, Tenant } from '../../shared/tenant.js';
import type { ServiceContext } from '../context.js';
import { findByIdOr404 } from '../by-id.js';
import { listPage, BY_CREATED_AT, type Listing } from '../lists.js';
import { getOrganization, rateLimitOf } from '../organizations/index.js';
import { recordAudit, SYSTEM_ORIGIN, type AuditOrigin } from '../audit/index.js';
import { displayParts, generateKey, hashKey, isWellFormedKey } from './keys.format.js';
import * as repo from './keys.repository.js';
import {
  canonicalScope,
  SCOPE_ALIASES,
  SCOPES,
  type ApiKeyRow,
  type Principal,
  type Scope,
} from '../../db/tables/keys.js';
import type { CountCache } from '../../db/count-cache.js';

export type KeyStatus = 'active' | 'expiring' | 'expired' | 'revoked';

export interface ApiKey {
  id: string;
  name: string | null;
  scope: Scope;
  environment: Environment;
  prefix: string;
  last4: string;
  status: KeyStatus;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  rotatedAt: string | null;
  replacedBy: string | null;
}

export interface ApiKeyWithSecret extends ApiKey {
  /** The full key. Returned only by creation and rotation; it cannot be shown again. */
  key: string;
}

export const DEFAULT_ROTATION_GRACE_SECONDS = 24 * 3600;
export const MAX_ROTATION_GRACE_SECONDS = 30 * 24 * 3600;

/** The count cache's resource for a tenant's API keys (`totalCount` of the list). */
export function keysResource(tenant: Tenant): string {
  return `keys:${tenant.organizationId}:${tenant.environment}`;
}

export function statusOf(
  row: Pick<ApiKeyRow, 'revoked_at' | 'expires_at' | 'rotated_at'>,
  now: number,
): KeyStatus {
  if (row.revoked_at !== null) return 'revoked';
  if (row.expires_at !== null && row.expires_at <= now) return 'expired';
  if (row.rotated_at !== null) return 'expiring';
  return 'active';
}

export function toApiKey(row: ApiKeyRow, now: number, lastUsedOverride?: number): ApiKey {
  const lastUsed = Math.max(row.last_used_at ?? 0, lastUsedOverride ?? 0) || null;
  return {
    id: row.id,
    name: row.name,
    scope: row.scope,
    environment: row.environment,
    prefix: row.prefix,
    last4: row.last4,
    status: statusOf(row, now),
    createdAt: toIso(row.created_at),
    expiresAt: toIso(row.expires_at),
    revokedAt: toIso(row.revoked_at),
    lastUsedAt: toIso(lastUsed),
    rotatedAt: toIso(row.rotated_at),
    replacedBy: row.replaced_by,
  };
}

export interface CreateKeyInput {
  organizationId: string;
  environment: Environment;
  /** A scope or one of its aliases (`read-write`…); stored as the canonical name. */
  scope: string;
  name?: string | null;
  /** Epoch ms. */
  expiresAt?: number | null;
}

/** The rule of a key body its schema cannot express: `expiresAt`, when given, in the future. */
export function keyInputProblems(input: Record<string, unknown>, now: number): FieldProblem[] {
  const expiresAt = typeof input.expiresAt === 'string' ? Date.parse(input.expiresAt) : NaN;
  return expiresAt <= now ? [{ field: 'expiresAt', reason: 'Must be in the future' }] : [];
}

function checkCreate(input: CreateKeyInput, now: number): void {
  const problems = [];
  if (canonicalScope(input.scope) === undefined) {
    problems.push({
      field: 'scope',
      reason: `Must be one of: ${SCOPES.join(', ')} (aliases: ${Object.keys(SCOPE_ALIASES).join(', ')})`,
    });
  }
  if (input.expiresAt != null && input.expiresAt <= now) {
    problems.push({ field: 'expiresAt', reason: 'Must be in the future' });
  }
  // As the API's schema says (the CLI reaches here without it): 1 to 200 characters.
  if (input.name != null && (input.name.length === 0 || input.name.length > 200)) {
    problems.push({ field: 'name', reason: 'Must be 1 to 200 characters' });
  }
  if (problems.length) throw invalidInput(problems);
}

async function insertNewKey(
  db: Kysely<Database>,
  now: number,
  input: CreateKeyInput,
): Promise<{ row: ApiKeyRow; key: string }> {
  const key = generateKey(input.environment);
  const row: ApiKeyRow = {
    id: newId('apiKey', now),
    organization_id: input.organizationId,
    environment: input.environment,
    name: input.name ?? null,
    scope: input.scope as Scope,
    key_hash: hashKey(key),
    ...displayParts(key),
    created_at: now,
    expires_at: input.expiresAt ?? null,
    revoked_at: null,
    last_used_at: null,
    rotated_at: null,
    replaced_by: null,
  };
  await repo.insertKey(db, { organizationId: input.organizationId, environment: input.environment }, row);
  return { row, key };
}

/** What the audit log keeps of a key: how to recognise it, never the key. */
function keyAuditData(row: ApiKeyRow) {
  return { name: row.name, scope: row.scope, prefix: row.prefix, last4: row.last4 };
}

/** Records `action` on `row`'s key in `db`, the transaction of the change. */
function auditKey(db: Kysely<Database>, origin: AuditOrigin, action: string, row: ApiKeyRow, at: number) {
  return recordAudit(db, {
    ...origin,
    organizationId: row.organization_id,
    environment: row.environment,
    action,
    target: { type: 'api_key', id: row.id },
    data: keyAuditData(row),
    at,
  });
}

/**
 * Creates a key for an organization (API, CLI and first start all come here). `counts`: the count cache
 * of the process that serves the list (the API passes it; the CLI runs in a process of its own).
 * `origin`: who asked, for the audit log (the CLI and the first start are the system).
 */
export async function createKey(
  db: Kysely<Database>,
  clock: Clock,
  input: CreateKeyInput,
  counts?: CountCache,
  origin: AuditOrigin = SYSTEM_ORIGIN,
): Promise<ApiKeyWithSecret> {
  const now = clock.now();
  checkCreate(input, now);
  await getOrganization(db, input.organizationId); // a 404 for an unknown organization
  const { row, key } = await db.transaction().execute(async (trx) => {
    const created = await insertNewKey(trx, now, { ...input, scope: canonicalScope(input.scope)! });
    await auditKey(trx, origin, 'api_key.created', created.row, now);
    return created;
  });
  counts?.invalidate(keysResource({ organizationId: row.organization_id, environment: row.environment }));
  return { ...toApiKey(row, now), key };
}

export async function listKeys(
  ctx: ServiceContext,
  tenant: Tenant,
  params: ListParams,
  filters: { scope?: Scope },
  usage?: KeyUsage,
): Promise<Listing<ApiKey>> {
  const now = ctx.clock.now();
  return listPage(
    ctx,
    repo.keysQuery(ctx.db, tenant, filters),
    { params, filters, sorts: { createdAt: BY_CREATED_AT }, counted: keysResource(tenant) },
    (row) => toApiKey(row, now, usage?.pending(row.id)),
  );
}

const findKeyRow = findByIdOr404(repo.findKey, 'API key');

export async function getKey(
  ctx: ServiceContext,
  tenant: Tenant,
  id: string,
  usage?: KeyUsage,
): Promise<ApiKey> {
  return toApiKey(await findKeyRow(ctx, tenant, id), ctx.clock.now(), usage?.pending(id));
}

/** Revokes at once. Revoking a revoked key is a no-op that returns it (and records nothing). */
export async function revokeKey(
  ctx: ServiceContext,
  tenant: Tenant,
  id: string,
  origin: AuditOrigin,
  usage?: KeyUsage,
): Promise<ApiKey> {
  const row = await findKeyRow(ctx, tenant, id);
  const now = ctx.clock.now();
  if (await revokeRow(ctx.db, row, now, origin)) ctx.counts.invalidate(keysResource(tenant));
  return toApiKey(row, now, usage?.pending(row.id));
}

/** Revokes by id in any organization (operators' CLI). */
export async function revokeKeyById(db: Kysely<Database>, clock: Clock, id: string): Promise<ApiKey> {
  const row = await repo.findKeyById(db, id);
  if (!row) throw notFound('API key', id);
  const now = clock.now();
  await revokeRow(db, row, now, SYSTEM_ORIGIN);
  return toApiKey(row, now);
}

/**
 * Revokes `row`'s key (and marks `row`) unless already revoked, with its audit entry in the same
 * transaction; answers whether this call revoked it.
 */
async function revokeRow(
  db: Kysely<Database>,
  row: ApiKeyRow,
  now: number,
  origin: AuditOrigin,
): Promise<boolean> {
  if (row.revoked_at !== null) return false;
  const tenant: Tenant = { organizationId: row.organization_id, environment: row.environment };
  await db.transaction().execute(async (trx) => {
    await repo.updateKey(trx, tenant, row.id, { revoked_at: now });
    await auditKey(trx, origin, 'api_key.revoked', row, now);
  });
  row.revoked_at = now;
  return true;
}

/**
 * Issues a new key with the same scope, name and expiry; the old one keeps working for
 * `graceSeconds` (0 ends it at once), then answers 401.
 */
export async function rotateKey(
  ctx: ServiceContext,
  tenant: Tenant,
  id: string,
  origin: AuditOrigin,
  graceSeconds = DEFAULT_ROTATION_GRACE_SECONDS,
): Promise<ApiKeyWithSecret> {
  if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_ROTATION_GRACE_SECONDS) {
    throw invalidInput([
      {
        field: 'gracePeriodSeconds',
        reason: `Must be a whole number from 0 to ${MAX_ROTATION_GRACE_SECONDS}`,
      },
    ]);
  }
  const now = ctx.clock.now();
  const rotated = await ctx.db.transaction().execute(async (trx) => {
    const old = await repo.findKey(trx, tenant, id);
    if (!old) throw notFound('API key', id);
    const status = statusOf(old, now);
    if (status !== 'active') {
      throw new AppError('CONFLICT', `Only an active key can be rotated; this key is ${status}`, { status });
    }
    const { row, key } = await insertNewKey(trx, now, {
      organizationId: old.organization_id,
      environment: old.environment,
      scope: old.scope,
      name: old.name,
      expiresAt: old.expires_at,
    });
    const graceEnd = now + graceSeconds * 1000;
    const expiresAt = old.expires_at === null ? graceEnd : Math.min(old.expires_at, graceEnd);
    await repo.updateKey(trx, tenant, id, { rotated_at: now, replaced_by: row.id, expires_at: expiresAt });
    // The entry is about the old key; the new one's id is in `data` (it has no entry of its own).
    await recordAudit(trx, {
      ...origin,
      organizationId: old.organization_id,
      environment: old.environment,
      action: 'api_key.rotated',
      target: { type: 'api_key', id: old.id },
      data: {
        ...keyAuditData(old),
        replacedBy: row.id,
        newPrefix: row.prefix,
        newLast4: row.last4,
        graceSeconds,
      },
      at: now,
    });
    return { ...toApiKey(row, now), key };
  });
  // After the commit: a count taken before it must not be cached as the new one.
  ctx.counts.invalidate(keysResource(tenant));
  return rotated;
}

export async function listAllKeys(
  db: Kysely<Database>,
  clock: Clock,
  organizationId?: string,
): Promise<ApiKey[]> {
  const now = clock.now();
  return (await repo.listAllKeys(db, organizationId)).map((r) => toApiKey(r, now));
}

/**
 * Remembers when each key was last used and writes the times in one batch every few seconds, so that
 * authentication never writes to the database on the request path.
 */
export class KeyUsage {
  private buffer = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly flushMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.flush().catch(this.onError), this.flushMs);
    this.timer.unref();
  }

  touch(keyId: string, at: number): void {
    this.buffer.set(keyId, at);
  }

  /** A use not yet written, so reads in this process are exact. */
  pending(keyId: string): number | undefined {
    return this.buffer.get(keyId);
  }

  async flush(): Promise<void> {
    if (this.buffer.size === 0) return;
    const batch = this.buffer;
    this.buffer = new Map();
    try {
      await repo.recordUsage(this.db, batch);
    } catch (error) {
      for (const [id, at] of batch) if (!this.buffer.has(id)) this.buffer.set(id, at);
      throw error;
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}

export type AuthResult =
  { ok: true; principal: Principal } | { ok: false; reason: 'unknown' | 'revoked' | 'expired' };

interface CachedKey {
  row: repo.KeyWithOrganization;
  until: number;
}

const AUTH_CACHE_MAX = 10_000;

/**
 * Verifies keys. A verified key row is kept in memory for `ttlMs` (revocation and rotation in this
 * process drop it at once; in other processes it takes effect within `ttlMs`).
 *
 * A hash looked up and found absent is remembered for `ttlMs` too, so a client repeating an unknown
 * key costs no query. This never turns a new key away: only hashes that were presented and absent are
 * remembered, and a new key's hash is random (it cannot have been presented before it existed);
 * creating or rotating a key in this process also forgets them all.
 */
export class KeyAuthenticator {
  private cache = new Map<string, CachedKey>();
  /** Hashes found absent, with the time until which they are answered `unknown` from memory. */
  private unknown = new Map<string, number>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly ttlMs: number,
  ) {}

  /** The database lookup behind `authenticate` (one query). */
  lookup(hash: string): Promise<repo.KeyWithOrganization | undefined> {
    return repo.findKeyByHash(this.db, hash);
  }

  /**
   * Who an API key, as the client sent it, authenticates as, or why it is refused: what the HTTP edge's
   * authentication asks (a malformed key or a wrong checksum is unknown, without a lookup).
   */
  async identify(key: string): Promise<AuthResult> {
    const hash = hashKey(key);
    // A key found and kept is known by its hash alone: its format and checksum passed when it was
    // looked up (the format check costs as much as the hash).
    const cached = this.cache.get(hash);
    const now = this.clock.now();
    if (cached && cached.until > now) return this.verdict(cached.row, now);
    if (!isWellFormedKey(key)) return { ok: false, reason: 'unknown' };
    return this.authenticate(hash);
  }

  /**
   * `identify`'s answer for a key found and kept (its hash in the cache, not yet expired), without a
   * promise; undefined when `identify` has to decide (not kept, or kept too long).
   */
  identifyKept(key: string): AuthResult | undefined {
    const cached = this.cache.get(hashKey(key));
    if (cached === undefined) return undefined;
    const now = this.clock.now();
    return cached.until > now ? this.verdict(cached.row, now) : undefined;
  }

  /** Who is calling, or why the key is refused, by the key's hash. */
  async authenticate(hash: string): Promise<AuthResult> {
    const now = this.clock.now();
    let row: repo.KeyWithOrganization | undefined;
    const cached = this.cache.get(hash);
    const unknownUntil = this.unknown.get(hash);
    if (cached && cached.until > now) {
      row = cached.row;
    } else if (unknownUntil !== undefined && unknownUntil > now) {
      return { ok: false, reason: 'unknown' };
    } else {
      row = await this.lookup(hash);
      this.unknown.delete(hash);
      if (this.ttlMs > 0 && row) {
        if (this.cache.size >= AUTH_CACHE_MAX) this.cache.clear();
        this.cache.set(hash, { row, until: now + this.ttlMs });
      } else {
        this.cache.delete(hash);
        if (this.ttlMs > 0 && !row) {
          if (this.unknown.size >= AUTH_CACHE_MAX) this.unknown.clear();
          this.unknown.set(hash, now + this.ttlMs);
        }
      }
    }
    if (!row) return { ok: false, reason: 'unknown' };
    return this.verdict(row, now);
  }

  /** The principal of a found key, or why it is refused at `now`. */
  private verdict(row: repo.KeyWithOrganization, now: number): AuthResult {
    const status = statusOf(row, now);
    if (status === 'revoked' || status === 'expired') return { ok: false, reason: status };
    return {
      ok: true,
      principal: {
        kind: 'key',
        keyId: row.id,
        organizationId: row.organization_id,
        environment: row.environment,
        scope: row.scope,
        rateLimit: rateLimitOf(row),
      },
    };
  }

  /** Forget everything cached (after a key was rotated or revoked, or a plan changed). */
  invalidate(): void {
    this.cache.clear();
    this.unknown.clear();
  }

  /** Forget the hashes remembered as unknown (after a key was created). */
  forgetUnknown(): void {
    this.unknown.clear();
  }
}
