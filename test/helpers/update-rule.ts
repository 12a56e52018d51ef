/* eslint-disable @typescript-eslint/no-explicit-any -- resources are JSON of any shape */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Scope } from '../../src/modules/keys/index.js';
import { call, createTenant, type Answer, type Tenant, type TestApp } from './app.js';

type Json = Record<string, any>;

const SET_BY_AUDENCI = 'Read-only field: set by Audenci, not by clients';
const DIFFERS =
  'Read-only field: differs from the current value; send it exactly as GET returns it, or leave it out';

/**
 * One changeable resource, described for the checks of the update rule (docs/api.md, "Updates: PUT and
 * PATCH"): PATCH changes the fields it names, PUT replaces the writable representation, and a PUT body may
 * repeat the read-only fields exactly as GET returned them.
 */
export interface UpdateRuleCase {
  /** The collection, e.g. `/api/v1/brands`. */
  collection: string;
  /** The scope writes need; keys of lower scopes get 403. */
  scope: Scope;
  /** Creates one in the tenant with every optional field set and returns it as GET returns it. */
  create(tenant: Tenant): Promise<Json>;
  /** A PATCH body changing one or two fields (each different from what `create` set). */
  patch: Json;
  /** The fields a PUT requires, in the order the schema lists them. */
  required: string[];
  /** What the optional writable fields become when a PUT leaves them out. */
  resets: Json;
  /** The one writable change of the GET → edit → PUT round trip. */
  edit: Json;
  /** Read-only fields GET returns, each with another value a client might send (given what GET returned). */
  changedReadOnly(read: Json): Json;
  /** Read-only fields GET does not return (always refused), each with a value. */
  hiddenReadOnly: Json;
  /** A body for POST of the collection, to show POST refuses read-only fields. */
  createBody(tenant: Tenant): Promise<Json>;
}

function invalid(problems: { field: string; reason: string }[]) {
  const first = problems[0]!;
  return {
    code: 'INVALID_INPUT',
    details: { field: first.field, reason: first.reason, errors: problems, location: 'body' },
  };
}

/** The answer's error without its message (asserted on its own), or a readable failure. */
function errorOf(res: Answer, status: number, what: string): Json {
  assert.equal(res.status, status, `${what}: ${res.status} ${res.raw}`);
  assert.deepEqual(Object.keys(res.body), ['error'], what);
  const { message, ...rest } = res.body.error;
  assert.equal(typeof message, 'string', what);
  return rest;
}

/**
 * Registers the update-rule tests of one resource in the current `describe`. `app()` and `tenant()` are
 * read when the tests run (after the caller's `before`).
 */
export function updateRuleTests(app: () => TestApp, tenant: () => Tenant, c: UpdateRuleCase): void {
  const key = (scope: Scope = c.scope) => tenant().live[scope];
  const url = (id: string) => `${c.collection}/${id}`;
  const get = async (id: string) => {
    const res = await call(app().app, 'GET', url(id), { key: key() });
    assert.equal(res.status, 200, res.raw);
    return res.body.data as Json;
  };
  const send = (method: 'PUT' | 'PATCH', id: string, body: unknown, k = key()) =>
    call(app().app, method, url(id), { key: k, body });
  /** The representation after a write: the write's changes, and an `updatedAt` that did not go back. */
  const assertWritten = async (res: Answer, before: Json, changes: Json, what: string) => {
    assert.equal(res.status, 200, `${what}: ${res.raw}`);
    const data = res.body.data as Json;
    assert.deepEqual(Object.keys(res.body), ['data']);
    assert.ok(
      data.updatedAt >= before.updatedAt,
      `${what}: updatedAt ${data.updatedAt} < ${before.updatedAt}`,
    );
    assert.deepEqual(data, { ...before, ...changes, updatedAt: data.updatedAt }, what);
    assert.deepEqual(await get(before.id), data, `${what}: GET shows what the write answered`);
  };

  it('PATCH changes only the fields it names', async () => {
    const before = await c.create(tenant());
    await assertWritten(await send('PATCH', before.id, c.patch), before, c.patch, 'PATCH');
  });

  it('PUT resets the optional fields it leaves out', async () => {
    const before = await c.create(tenant());
    const body = Object.fromEntries(c.required.map((field) => [field, before[field]]));
    await assertWritten(await send('PUT', before.id, body), before, c.resets, 'PUT of the required fields');
  });

  it('PUT without its required fields is a 400 listing each of them; nothing changes', async () => {
    const before = await c.create(tenant());
    const res = await send('PUT', before.id, {});
    const problems = c.required.map((field) => ({ field, reason: 'Field is required' }));
    assert.deepEqual(errorOf(res, 400, 'PUT {}'), invalid(problems));
    assert.equal(res.body.error.message, `${c.required[0]} is required`);
    assert.deepEqual(await get(before.id), before);
  });

  it('GET → edit → PUT: the whole representation sent back with one field changed', async () => {
    const before = await c.create(tenant());
    const read = await get(before.id);
    await assertWritten(await send('PUT', before.id, { ...read, ...c.edit }), before, c.edit, 'round trip');
    // Sent back unchanged, it is accepted too and changes nothing but (at most) updatedAt.
    const again = await get(before.id);
    await assertWritten(await send('PUT', before.id, again), again, {}, 'unchanged round trip');
  });

  it('PUT with a read-only field changed is a 400 naming it; every one is named; nothing changes', async () => {
    const before = await c.create(tenant());
    const read = await get(before.id);
    const changed = c.changedReadOnly(read);
    for (const [field, value] of Object.entries(changed)) {
      const res = await send('PUT', before.id, { ...read, ...c.edit, [field]: value });
      assert.deepEqual(errorOf(res, 400, `PUT ${field}`), invalid([{ field, reason: DIFFERS }]));
      assert.equal(res.body.error.message, `${field}: ${DIFFERS.charAt(0).toLowerCase()}${DIFFERS.slice(1)}`);
    }
    const all = await send('PUT', before.id, { ...read, ...changed });
    const fields = Object.keys(changed);
    assert.deepEqual(
      errorOf(all, 400, 'PUT all changed'),
      invalid(
        Object.keys(read)
          .filter((f) => fields.includes(f))
          .map((field) => ({ field, reason: DIFFERS })),
      ),
    );
    for (const [field, value] of Object.entries(c.hiddenReadOnly)) {
      const res = await send('PUT', before.id, { ...read, [field]: value });
      assert.deepEqual(errorOf(res, 400, `PUT ${field}`), invalid([{ field, reason: SET_BY_AUDENCI }]));
    }
    assert.deepEqual(await get(before.id), before);
  });

  it('PATCH and POST refuse read-only fields, even with their current values', async () => {
    const before = await c.create(tenant());
    const readOnly = { ...c.changedReadOnly(before), ...c.hiddenReadOnly };
    for (const field of Object.keys(readOnly)) {
      const value = field in before ? before[field] : readOnly[field];
      const patched = await send('PATCH', before.id, { ...c.patch, [field]: value });
      assert.deepEqual(errorOf(patched, 400, `PATCH ${field}`), invalid([{ field, reason: SET_BY_AUDENCI }]));
      const created = await call(app().app, 'POST', c.collection, {
        key: key(),
        body: { ...(await c.createBody(tenant())), [field]: value },
      });
      assert.deepEqual(errorOf(created, 400, `POST ${field}`), invalid([{ field, reason: SET_BY_AUDENCI }]));
    }
    assert.deepEqual(await get(before.id), before);
  });

  it("another organization's id is 404 for PUT and PATCH, as for GET, whatever the body", async () => {
    const mine = await get((await c.create(tenant())).id);
    const other = await c.create(await createTenant(app()));
    const notFound = await call(app().app, 'GET', url(other.id), { key: key() });
    errorOf(notFound, 404, 'GET foreign');
    const bodies: [string, 'PUT' | 'PATCH', Json][] = [
      ['PUT with read-only fields', 'PUT', { ...mine, ...c.edit }],
      ['PUT with another id', 'PUT', { ...other, ...c.edit }],
      ['PUT without read-only fields', 'PUT', Object.fromEntries(c.required.map((f) => [f, mine[f]]))],
      ['PATCH', 'PATCH', c.patch],
    ];
    for (const [what, method, body] of bodies) {
      const res = await send(method, other.id, body);
      assert.deepEqual(errorOf(res, 404, what), errorOf(notFound, 404, 'GET foreign'), what);
      assert.equal(res.body.error.message, notFound.body.error.message, what);
    }
  });

  it('a key below the required scope gets 403 for PUT and PATCH; nothing changes', async () => {
    const before = await c.create(tenant());
    const scopes: Scope[] = c.scope === 'admin' ? ['read', 'read_write'] : ['read'];
    for (const scope of scopes) {
      for (const [method, body] of [
        ['PUT', { ...before, ...c.edit }],
        ['PATCH', c.patch],
      ] as const) {
        const res = await send(method, before.id, body, key(scope));
        assert.deepEqual(
          errorOf(res, 403, `${method} with ${scope}`),
          { code: 'FORBIDDEN', details: { requiredScope: c.scope, grantedScope: scope } },
          `${method} with ${scope}`,
        );
      }
    }
    assert.deepEqual(await get(before.id), before);
  });
}
