import type { FastifyRequest } from 'fastify';
import { invalidInput } from '../shared/errors.js';

/**
 * A `preValidation` hook refusing fields the server owns (mass assignment) with a reason that says so,
 * rather than the generic "Unknown field".
 */
export function refuseReadOnly(fields: readonly string[], items?: string) {
  const readOnly = new Set(fields);
  return async (request: FastifyRequest) => {
    const body = request.body;
    const objects: [string, unknown][] =
      items && body && typeof body === 'object' && Array.isArray((body as Record<string, unknown>)[items])
        ? ((body as Record<string, unknown[]>)[items]!.map((o, i) => [`${items}.${i}.`, o]) as [
            string,
            unknown,
          ][])
        : [['', body]];
    const problems = [];
    for (const [prefix, object] of objects) {
      if (!object || typeof object !== 'object' || Array.isArray(object)) continue;
      for (const key of Object.keys(object)) {
        if (readOnly.has(key))
          problems.push({
            field: `${prefix}${key}`,
            reason: 'Read-only field: set by Audenci, not by clients',
          });
      }
    }
    if (problems.length) throw invalidInput(problems, undefined, { location: 'body' });
  };
}
