import type { FastifyRequest } from 'fastify';
import { Type, type TObject, type TOptional, type TProperties, type TSchema } from '@sinclair/typebox';
import { invalidInput, type FieldProblem } from '../shared/errors.js';

const SET_BY_AUDENCI = 'Read-only field: set by Audenci, not by clients';
const DIFFERS =
  'Read-only field: differs from the current value; send it exactly as GET returns it, or leave it out';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A `preValidation` hook refusing fields the server owns (mass assignment) with a reason that says so,
 * rather than the generic "Unknown field".
 */
export function refuseReadOnly(fields: readonly string[], items?: string) {
  const readOnly = new Set(fields);
  return async (request: FastifyRequest) => {
    const body = request.body;
    const objects: [string, unknown][] =
      items && isObject(body) && Array.isArray(body[items])
        ? (body[items] as unknown[]).map((o, i): [string, unknown] => [`${items}.${i}.`, o])
        : [['', body]];
    const problems: FieldProblem[] = [];
    for (const [prefix, object] of objects) {
      if (!isObject(object)) continue;
      for (const key of Object.keys(object)) {
        if (readOnly.has(key)) problems.push({ field: `${prefix}${key}`, reason: SET_BY_AUDENCI });
      }
    }
    if (problems.length) throw invalidInput(problems, undefined, { location: 'body' });
  };
}

/** JSON equality: same primitives, arrays item by item, objects key by key (in any order). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => sameJson(item, b[i]));
  }
  if (!isObject(a) || !isObject(b)) return false;
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length &&
    keys.every((key) => Object.hasOwn(b, key) && sameJson(a[key], b[key]))
  );
}

/** Bounds for echoed values the resource schema leaves open: a longer value can only differ anyway. */
const ECHO_MAX_LENGTH = 2048;
const ECHO_MAX_ITEMS = 100;

/** The schema of a value GET returns, as a PUT body may carry it back: the same shape, bounded. */
function echoSchema(schema: Record<string, unknown>): Record<string, unknown> {
  const types = ([] as unknown[]).concat(schema.type ?? []);
  const out: Record<string, unknown> = { ...schema };
  const open = schema.enum === undefined && schema.const === undefined;
  if (types.includes('string') && open && schema.maxLength === undefined) out.maxLength = ECHO_MAX_LENGTH;
  if (types.includes('array')) {
    if (schema.maxItems === undefined) out.maxItems = ECHO_MAX_ITEMS;
    if (isObject(schema.items)) out.items = echoSchema(schema.items);
  }
  if (isObject(schema.properties)) {
    out.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([key, value]) => [
        key,
        echoSchema(value as Record<string, unknown>),
      ]),
    );
  }
  return out;
}

/** Loads the resource a `PUT /x/{id}` replaces, exactly as `GET /x/{id}` would answer it (`data`). */
export type CurrentRepresentation = (request: FastifyRequest, id: string) => Promise<object>;

export interface ReadOnlyFields<E extends TProperties> {
  /** Every read-only field name: refused in POST and PATCH bodies. */
  readonly names: readonly string[];
  /**
   * The read-only fields GET returns, for a PUT body schema: optional, `readOnly: true`, typed as GET
   * returns them (and bounded), so that a client can send back what it read.
   */
  readonly echo: E;
  /** `preValidation` of POST and PATCH: any read-only field is a 400 naming it (mass assignment). */
  readonly refuse: (request: FastifyRequest) => Promise<void>;
  /**
   * The hooks of a `PUT /x/{id}`: `preValidation` refuses read-only fields GET does not return (as
   * `refuse` does); after the schema has checked the body, `preHandler` compares the echoed read-only
   * fields with the current representation (`current`) — deep equality, timestamps as the exact strings
   * GET returns. Equal ones are removed from the body before the handler sees it; any different one is a
   * 400 naming every such field. A body without read-only fields costs no read.
   */
  put(current: CurrentRepresentation): {
    preValidation: (request: FastifyRequest) => Promise<void>;
    preHandler: (request: FastifyRequest) => Promise<void>;
  };
}

/**
 * One declaration of a resource's read-only fields, used by each of its writing routes: the update rule
 * (docs/api.md, "Updates: PUT and PATCH") lets a `PUT` body repeat them as a `GET` returned them, so GET →
 * edit → PUT works, while POST and PATCH keep refusing them. `resource` is the schema GET answers with;
 * `names` lists every field the server owns, including ones GET does not show (`organizationId`), which are
 * always refused.
 */
export function readOnlyFields<P extends TProperties, const K extends string>(
  resource: TObject<P>,
  names: readonly K[],
): ReadOnlyFields<{ [F in K & keyof P]: TOptional<P[F]> }> {
  const echoed = names.filter((name): name is K & keyof P & string => name in resource.properties);
  const hidden = names.filter((name) => !(name in resource.properties));
  const echo = Object.fromEntries(
    echoed.map((name) => [
      name,
      Type.Optional(
        Type.Unsafe({
          ...echoSchema(resource.properties[name] as unknown as Record<string, unknown>),
          readOnly: true,
        }) as TSchema,
      ),
    ]),
  ) as unknown as { [F in K & keyof P]: TOptional<P[F]> };

  return {
    names,
    echo,
    refuse: refuseReadOnly(names),
    put(current) {
      return {
        preValidation: refuseReadOnly(hidden),
        preHandler: async (request) => {
          const body = request.body;
          if (!isObject(body)) return;
          const sent = echoed.filter((name) => Object.hasOwn(body, name));
          if (sent.length === 0) return;
          const id = (request.params as { id: string }).id;
          const representation = (await current(request, id)) as Record<string, unknown>;
          const problems = sent
            .filter((name) => !sameJson(body[name], representation[name]))
            .map((field) => ({ field, reason: DIFFERS }));
          if (problems.length) throw invalidInput(problems, undefined, { location: 'body' });
          for (const name of sent) delete body[name];
        },
      };
    },
  };
}
