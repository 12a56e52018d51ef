import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { Nullable } from './schemas.js';
import { readOnlyFields, sameJson } from './read-only.js';

describe('read-only fields', () => {
  it('sameJson: objects in any key order, arrays in order, no coercion', () => {
    assert.equal(sameJson({ a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1 }), true);
    assert.equal(sameJson([1, 2], [2, 1]), false);
    assert.equal(sameJson({ a: 1 }, { a: 1, b: undefined }), false);
    assert.equal(sameJson(null, undefined), false);
    assert.equal(sameJson(null, {}), false);
    assert.equal(sameJson('1', 1), false);
    assert.equal(sameJson([], {}), false);
    assert.equal(sameJson('2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00Z'), false);
  });

  it('echoes the fields GET returns as optional readOnly properties, bounded; the others are hidden', () => {
    const Resource = Type.Object({
      id: Type.String(),
      name: Type.String(),
      tags: Type.Array(Type.String()),
      error: Nullable(Type.Object({ code: Type.String({ maxLength: 64 }) })),
      kind: Type.Unsafe<string>({ type: 'string', enum: ['a', 'b'] }),
    });
    const fields = readOnlyFields(Resource, ['id', 'tags', 'error', 'kind', 'organizationId']);
    const body = Type.Object({ name: Type.String({ maxLength: 10 }), ...fields.echo });
    const schema = JSON.parse(JSON.stringify(body)) as {
      required: string[];
      properties: Record<string, Record<string, unknown>>;
    };
    assert.deepEqual(schema.required, ['name']);
    assert.deepEqual(schema.properties.id, { type: 'string', maxLength: 2048, readOnly: true });
    assert.deepEqual(schema.properties.tags, {
      type: 'array',
      items: { type: 'string', maxLength: 2048 },
      maxItems: 100,
      readOnly: true,
    });
    assert.deepEqual(schema.properties.error, {
      type: ['object', 'null'],
      properties: { code: { type: 'string', maxLength: 64 } },
      required: ['code'],
      readOnly: true,
    });
    assert.deepEqual(schema.properties.kind, { type: 'string', enum: ['a', 'b'], readOnly: true });
    assert.equal('organizationId' in schema.properties, false);
    assert.deepEqual(fields.names, ['id', 'tags', 'error', 'kind', 'organizationId']);
  });
});
