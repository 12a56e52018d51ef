import { createHash } from 'node:crypto';
import { routeConfig } from './route-config.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { scoped, unscoped } from '../db/tenant.js';
import type { SecretBox } from '../shared/secret-box.js';
import type { Clock } from '../shared/clock.js';
import { AppError, invalidInput } from '../shared/errors.js';
import { runInUnit, type UnitOfWork } from '../db/unit-of-work.js';
import type { FailpointName } from '../shared/failpoints.js';
import type { IdempotencyKeyRow } from '../db/tables/idempotency.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Honour `Idempotency-Key` on this route although it is not a POST (e.g. `PUT /posts/batch`, whose
     * items are partial updates that would each record events again). Every POST honours it anyway.
     */
    idempotent?: boolean;
  }
}

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';
export const DEFAULT_IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_IDEMPOTENCY_STALE_AFTER_MS = 60 * 1000;
/** Expired rows are deleted at most this often per process, by a request that carries a key. */
export const IDEMPOTENCY_PURGE_INTERVAL_MS = 60 * 1000;

export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;
/** 1–255 printable ASCII characters (as Stripe: long enough for a UUID or any structured key). */
const KEY_PATTERN = new RegExp(`^[\\x20-\\x7e]{1,${IDEMPOTENCY_KEY_MAX_LENGTH}}$`);

/** Does a route honour `Idempotency-Key`: every POST, and routes that opt in with `config.idempotent`. */
export function honoursIdempotencyKey(method: string, config: { idempotent?: boolean } | undefined): boolean {
  return method === 'POST' || config?.idempotent === true;
}
/** Response headers a replay repeats; everything else (request id, rate limits…) belongs to the retry. */
const REPLAYED_HEADERS = ['content-type', 'location'] as const;
/** How often a claim is retried when the conflicting row vanishes between the insert and the read. */
const CLAIM_ATTEMPTS = 3;

export interface IdempotencyOptions {
  db: Kysely<Database>;
  clock: Clock;
  /** How long a key is remembered, from its first use (default 24 h, as Stripe). */
  ttlMs?: number;
  /**
   * How long a `running` claim is trusted (default 60 s). An older one is assumed to belong to a process
   * that died mid-request and is taken over. Must exceed the slowest POST handler.
   */
  staleAfterMs?: number;
  /**
   * Seals stored response bodies: a replay within 24 h must show a created API key or webhook secret
   * again, but the database must not hold it in clear. The associated data is the key's identity, so a
   * body cannot be replayed under another key.
   */
  box?: SecretBox;
  /**
   * Begins a unit of work on the services' database: with it, a request's writes and the record of its
   * answer commit in one transaction (see "How it works"). Without it (a bare test app) the record is
   * written after the work, as a separate statement.
   */
  units?: () => UnitOfWork;
  /** Fault injection for the system tests: called at `idempotency.after-commit` (see failpoints.ts). */
  failpoint?: (name: FailpointName) => void;
}

/** A claim this process holds for one request; `createdAt` identifies it in compare-and-set updates. */
interface Claim {
  organizationId: string;
  environment: IdempotencyKeyRow['environment'];
  key: string;
  createdAt: number;
}

const registered = new WeakSet<FastifyInstance>();

/** Has `registerIdempotency` been called on this instance (lets tests work before and after wiring). */
export function isIdempotencyRegistered(app: FastifyInstance): boolean {
  return registered.has(app);
}

/** JSON with object keys sorted at every level, so `{"a":1,"b":2}` and `{"b":2,"a":1}` hash alike. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const withToJson = value as { toJSON?: () => unknown };
  if (typeof withToJson.toJSON === 'function') return canonicalJson(withToJson.toJSON());
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && typeof v !== 'function')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The request's fingerprint: SHA-256 of method, path (no query) and the canonical JSON body. */
export function requestHash(method: string, path: string, body: unknown): string {
  const hash = createHash('sha256').update(method).update('\n').update(path).update('\n');
  if (Buffer.isBuffer(body)) hash.update(body);
  else if (typeof body === 'string') hash.update(body);
  else if (body !== undefined) hash.update(canonicalJson(body));
  return hash.digest('hex');
}

function pathOf(request: FastifyRequest): string {
  const url = request.url;
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  // The router ignores a trailing slash; so does the fingerprint.
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

function stillRunning(): AppError {
  return new AppError(
    'CONFLICT',
    'A request with this Idempotency-Key is still being processed; retry later',
    undefined,
    { 'Retry-After': '1' },
  );
}

/** The claim was taken over by a retry (this request ran longer than the claim is trusted). */
class ClaimLost extends Error {}

function takenOver(): AppError {
  return new AppError(
    'CONFLICT',
    'This request ran so long that a retry with the same Idempotency-Key took it over; it was rolled ' +
      "back, and the key's answer is the retry's",
    undefined,
    { 'Retry-After': '1' },
  );
}

function keyReused(row: IdempotencyKeyRow): AppError {
  return new AppError(
    'IDEMPOTENCY_KEY_REUSED',
    `This Idempotency-Key was already used with a different request (${row.method} ${row.path} with ` +
      'another body); send a new key for a new request',
  );
}

/**
 * `Idempotency-Key` on every authenticated POST (docs/api.md, "Idempotency"), in the manner of Stripe.
 *
 * The contract: a POST may carry `Idempotency-Key` (1–255 printable ASCII characters, else
 * `400 INVALID_INPUT` with `details.field` `Idempotency-Key`), scoped to the API key's organization and
 * environment. Within `ttlMs` (24 h) of its first use, a repeat with the same method, path and body
 * (compared by a SHA-256 fingerprint of method, path without query and the body's canonical JSON — key
 * order does not matter) gets the first response back — same status, same body bytes, `Location` and
 * `Content-Type`, plus `Idempotent-Replayed: true` — without the handler running again. The same key with
 * a different request answers `422 IDEMPOTENCY_KEY_REUSED`; a repeat while the first is still running
 * answers `409 CONFLICT` with `Retry-After: 1`. A route of another method opts in with
 * `config: { idempotent: true }` (`PUT /posts/batch`). Other methods, public routes and requests without
 * the header are untouched (one header lookup).
 *
 * How it works, and why:
 * - The check runs in `preHandler`: after authentication (the scope needs the principal) and after schema
 *   validation, so a request refused as invalid stores nothing and its corrected retry may reuse the key.
 *   The body is fingerprinted as validated (after any defaults/coercion), deterministic for equal input.
 * - A request claims its key by inserting a `running` row. The primary key (organization, environment,
 *   key) is the only arbiter — `INSERT … ON CONFLICT DO NOTHING` behaves the same on SQLite and
 *   PostgreSQL — so of two identical requests racing, exactly one inserts and runs the handler; the
 *   other reads the winner's row and gets a 409 or, once it is done, the replay.
 * - Rows that are expired, or `running` for longer than `staleAfterMs`, are taken over with an update
 *   guarded by the values just read (compare-and-set on `created_at` and `state`): of several takers,
 *   one wins. A claim is identified by its `created_at`, which a takeover always changes (it is later
 *   than the old one by at least `staleAfterMs`), so a slow original that finishes after being taken
 *   over cannot overwrite its successor's record.
 * - Stale takeover exists because a process can die mid-request, and its `running` row would otherwise
 *   block the key for 24 h. The cost: a request that really runs longer than `staleAfterMs` may be run
 *   twice, hence the generous default.
 * - In `onSend`, a 2xx–4xx response (the request's real outcome: e.g. a 404 or 409 replays as such) is
 *   stored and the row marked `done`. Two exceptions delete the claim instead. A 5xx: handlers run in
 *   transactions that roll back on error, so nothing was done and the client should be able to retry
 *   with the same key (Stripe replays 500s; we prefer the retry succeeding). A 400: the input was
 *   refused — by a check in the service this time, schema failures never reach `preHandler` — so, as for
 *   schema validation, nothing was done and the corrected request may reuse the key.
 * - A response that cannot be replayed (a stream) is not stored either; the claim is deleted.
 * - A request that never reaches `onSend` with its claim (e.g. a hijacked reply) releases it in
 *   `onResponse`. An aborted connection is deliberately *not* a release: the handler keeps running and
 *   its `onSend` still records the outcome, which is exactly what the client's retry must see. If the
 *   process dies instead, stale takeover frees the key.
 * - The work and the record of its answer commit together. With `units`, the handler of a claimed request
 *   runs in a unit of work (src/db/unit-of-work.ts): its transactions become savepoints of one transaction
 *   that stays open until `onSend`, where the answer is written into the claimed row (`done`, guarded by
 *   the claim's `created_at`) and the whole commits — before a byte of the answer is sent. A process that
 *   dies before that commit leaves the work undone and the claim `running` (taken over once stale, and
 *   the work done then, once); one that dies after it leaves the work and its answer, which a retry
 *   replays. A slow original whose claim was taken over finds its guarded update matching nothing, rolls
 *   its work back and answers 409, so the key's work is never done twice. A commit that fails (the
 *   database went away) rolls back and answers 503.
 * - Expired rows are purged opportunistically, at most once a minute per process, by a request that
 *   carries a key — never on every request.
 */
export function registerIdempotency(app: FastifyInstance, options: IdempotencyOptions): void {
  const { db, clock } = options;
  const ttlMs = options.ttlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS;
  const staleAfterMs = options.staleAfterMs ?? DEFAULT_IDEMPOTENCY_STALE_AFTER_MS;
  if (!(staleAfterMs >= 1) || !(ttlMs > staleAfterMs)) {
    throw new Error('registerIdempotency: need 1 <= staleAfterMs < ttlMs');
  }
  registered.add(app);

  const claims = new WeakMap<FastifyRequest, Claim>();
  const unitOf = new WeakMap<FastifyRequest, UnitOfWork>();
  const { units } = options;

  // Only the routes that honour the header get the hooks (a GET pays nothing for idempotency), placed
  // where hooks of the whole app would run: before the route's own `preHandler`, after every other
  // `onSend` and `onResponse` (the answer is recorded as sent). The handler of a claimed request runs
  // in its unit of work (everything it calls shares the unit).
  app.addHook('onRoute', (route) => {
    const methods = [route.method].flat();
    if (!methods.some((m) => honoursIdempotencyKey(m, route.config))) return;
    route.preHandler = [claimHook, ...hookList(route.preHandler)];
    route.onSend = [...hookList(route.onSend), answerHook];
    route.onResponse = [...hookList(route.onResponse), releaseHook];
    if (!units) return;
    const handler = route.handler;
    route.handler = function (this: FastifyInstance, request, reply) {
      const unit = unitOf.get(request);
      return unit
        ? runInUnit(unit, () => handler.call(this, request, reply))
        : handler.call(this, request, reply);
    };
  });
  let lastPurge = 0;

  function purgeExpired(request: FastifyRequest, now: number): void {
    if (now - lastPurge < IDEMPOTENCY_PURGE_INTERVAL_MS) return;
    lastPurge = now;
    unscoped(db, 'housekeeping: expired keys of every tenant')
      .deleteFrom('idempotency_keys')
      .where('expires_at', '<', now)
      .execute()
      .catch((err: unknown) => request.log.warn({ err }, 'purging expired idempotency keys failed'));
  }

  /**
   * Claims the key and returns the claim (the handler runs), or replays the stored response and returns
   * null, or throws the 409 / 422.
   */
  async function claim(request: FastifyRequest, reply: FastifyReply, key: string): Promise<Claim | null> {
    const { organizationId, environment } = request.principal;
    const method = request.method;
    const path = pathOf(request);
    const hash = requestHash(method, path, request.body);
    const now = clock.now();
    purgeExpired(request, now);
    const mine: Claim = { organizationId, environment, key, createdAt: now };
    const fresh = {
      request_hash: hash,
      method,
      path,
      state: 'running' as const,
      response_status: null,
      response_headers: null,
      response_body: null,
      created_at: now,
      expires_at: now + ttlMs,
    };
    const pk = scoped(db, mine).selectFrom('idempotency_keys').where('key', '=', key);

    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const inserted = await scoped(db, mine)
        .insertInto('idempotency_keys', { key, ...fresh })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1) return mine;

      const row = await pk.selectAll().executeTakeFirst();
      if (!row) continue; // released or purged in between: try the insert again

      const expired = row.expires_at <= now;
      if (!expired) {
        if (row.request_hash !== hash) throw keyReused(row);
        if (row.state === 'done') {
          replay(reply, row);
          return null;
        }
        if (now - row.created_at < staleAfterMs) throw stillRunning();
      }
      // Expired (any state), or a stale `running` claim: take it over if nobody else did meanwhile.
      const updated = await scoped(db, mine)
        .updateTable('idempotency_keys')
        .set(fresh)
        .where('key', '=', key)
        .where('created_at', '=', row.created_at)
        .where('state', '=', row.state)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 1) {
        request.log.info(
          { idempotencyKey: key, previousState: row.state, expired },
          'took over an idempotency key',
        );
        return mine;
      }
      // Someone else took it over first: look again.
    }
    throw stillRunning();
  }

  function replay(reply: FastifyReply, row: IdempotencyKeyRow): void {
    const headers = row.response_headers ? (JSON.parse(row.response_headers) as Record<string, string>) : {};
    for (const [name, value] of Object.entries(headers)) reply.header(name, value);
    reply.header(REPLAYED_HEADER, 'true');
    reply.code(row.response_status ?? 200);
    reply.send(row.response_body ? openBody(row) : undefined);
  }

  /** Deletes this request's claim, if it still holds it. */
  async function release(request: FastifyRequest, c: Claim): Promise<void> {
    try {
      await scoped(db, c)
        .deleteFrom('idempotency_keys')
        .where('key', '=', c.key)
        .where('created_at', '=', c.createdAt)
        .where('state', '=', 'running')
        .execute();
    } catch (err) {
      request.log.warn({ err, idempotencyKey: c.key }, 'releasing an idempotency key failed');
    }
  }

  const bodyAad = (organizationId: string, environment: string, key: string) =>
    `idempotency:${organizationId}:${environment}:${key}`;

  /** Stored bodies are JSON (`{…`) or, with a box, sealed (`v1.…`); rows from before sealing still replay. */
  function openBody(row: IdempotencyKeyRow): string {
    const body = row.response_body!;
    if (!options.box || !body.startsWith('v1.')) return body;
    return options.box.open(body, bodyAad(row.organization_id, row.environment, row.key));
  }

  /** The claimed row marked `done` with this answer; false when the claim is no longer this request's. */
  async function record(
    executor: Kysely<Database>,
    reply: FastifyReply,
    c: Claim,
    body: string,
  ): Promise<boolean> {
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = reply.getHeader(name);
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    const result = await scoped(executor, c)
      .updateTable('idempotency_keys')
      .set({
        state: 'done',
        response_status: reply.statusCode,
        response_headers: JSON.stringify(headers),
        response_body: options.box
          ? options.box.seal(body, bodyAad(c.organizationId, c.environment, c.key))
          : body,
      })
      .where('key', '=', c.key)
      .where('created_at', '=', c.createdAt)
      .where('state', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Without units of work: the answer is recorded after the work, on its own. */
  async function store(request: FastifyRequest, reply: FastifyReply, c: Claim, body: string): Promise<void> {
    try {
      await record(db, reply, c, body);
    } catch (err) {
      // The response still goes out; the key is freed so that a retry is not refused for a minute.
      request.log.error({ err, idempotencyKey: c.key }, 'storing an idempotent response failed');
      await release(request, c);
    }
  }

  /** Replaces the answer about to be sent by an error (the work it described was rolled back). */
  function answerInstead(reply: FastifyReply, error: AppError): string {
    for (const name of ['location', 'content-length', 'etag']) reply.removeHeader(name);
    for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
    reply.code(error.status).type('application/json; charset=utf-8');
    return JSON.stringify({ error: { code: error.code, message: error.message } });
  }

  /**
   * Commits the unit's work together with the record of its answer, or rolls both back and answers why:
   * 409 when the claim was taken over meanwhile, 503 when the database failed.
   */
  async function commitWithAnswer(
    request: FastifyRequest,
    reply: FastifyReply,
    c: Claim,
    unit: UnitOfWork,
    body: string,
  ): Promise<string | undefined> {
    try {
      // `record` runs in the unit: in the transaction of the work.
      await unit.commit(async () => {
        if (!(await record(db, reply, c, body))) throw new ClaimLost();
      });
    } catch (err) {
      if (err instanceof ClaimLost) {
        request.log.warn({ idempotencyKey: c.key }, 'idempotency claim taken over; the work was rolled back');
        return answerInstead(reply, takenOver());
      }
      request.log.error({ err, idempotencyKey: c.key }, 'committing an idempotent request failed');
      await release(request, c);
      return answerInstead(
        reply,
        new AppError(
          'SERVICE_UNAVAILABLE',
          'The request could not be committed; nothing was done, retry',
          undefined,
          {
            'Retry-After': '1',
          },
        ),
      );
    }
    options.failpoint?.('idempotency.after-commit');
    return undefined;
  }

  async function claimHook(request: FastifyRequest, reply: FastifyReply) {
    if (!honoursIdempotencyKey(request.method, routeConfig(request))) return;
    const key = request.headers['idempotency-key'];
    if (key === undefined || !request.principal) return;
    if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
      throw invalidInput(
        [
          {
            field: IDEMPOTENCY_HEADER,
            reason: `Must be 1 to ${IDEMPOTENCY_KEY_MAX_LENGTH} printable ASCII characters`,
          },
        ],
        undefined,
        { location: 'header' },
      );
    }
    const claimed = await claim(request, reply, key);
    if (!claimed) return reply; // replayed
    claims.set(request, claimed);
    if (units) unitOf.set(request, units());
    return undefined;
  }

  async function answerHook(request: FastifyRequest, reply: FastifyReply, payload: unknown) {
    const c = claims.get(request);
    if (!c) return payload;
    claims.delete(request);
    const unit = unitOf.get(request);
    unitOf.delete(request);
    const status = reply.statusCode;
    let body: string | undefined;
    if (payload == null) body = '';
    else if (typeof payload === 'string') body = payload;
    else if (Buffer.isBuffer(payload)) body = payload.toString('utf8');
    // 400: refused as invalid input, so nothing is done and the corrected request may reuse the key.
    // 5xx: nothing is done either, and the request may be retried. Both roll the work back.
    if (status >= 500 || status === 400) {
      await unit?.rollback();
      await release(request, c);
      return payload;
    }
    if (body === undefined) {
      // A stream cannot be replayed: the work stands, the key is freed.
      await unit?.commit(async () => undefined);
      await release(request, c);
      return payload;
    }
    if (!unit) {
      // The work committed in its own transactions already; the record follows it.
      options.failpoint?.('idempotency.after-commit');
      await store(request, reply, c, body);
      return payload;
    }
    return (await commitWithAnswer(request, reply, c, unit, body)) ?? payload;
  }

  async function releaseHook(request: FastifyRequest) {
    const unit = unitOf.get(request);
    unitOf.delete(request);
    await unit?.rollback();
    const c = claims.get(request);
    if (!c) return;
    claims.delete(request);
    await release(request, c);
  }
}

/** A route option's hooks as a list (Fastify accepts one function or an array). */
function hookList<T>(hooks: T | T[] | undefined): T[] {
  return hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks];
}
