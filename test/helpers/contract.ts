/* eslint-disable @typescript-eslint/no-explicit-any -- the OpenAPI document is JSON of any shape */
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The OpenAPI document as a test oracle: every response an app writes during the tests is checked against
 * the document it serves. An undeclared status, an undeclared media type, a body its schema rejects, or an
 * error outside the envelope is a violation. The app answers the violation (a 500
 * `RESPONSE_CONTRACT_VIOLATION` saying what is wrong) instead of the response, so the test that made the
 * request fails where it stands, and every violation is also kept so `close()` fails a test that did not
 * look at the status.
 */
export interface ContractCheck {
  readonly violations: string[];
}

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);
const escape = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

/** `/api/posts/:id` (alias) and `/api/v1/posts/:id` → the document's `/api/v1/posts/{id}`. */
export function documentPath(routeUrl: string): string {
  const versioned = /^\/api(\/|$)/.test(routeUrl) && !/^\/api\/v1(\/|$)/.test(routeUrl);
  const url = versioned ? routeUrl.replace(/^\/api/, '/api/v1') : routeUrl;
  const path = url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/** Compiles the document's schemas once per app and validates a value at a JSON pointer into it. */
function documentValidator(document: any) {
  const ajv = new Ajv2020.default({ strict: false, allErrors: true, validateFormats: true });
  addFormats.default(ajv);
  ajv.addSchema({ ...document, $id: 'openapi.json' });
  const compiled = new Map<string, ReturnType<typeof ajv.compile>>();
  return (pointer: string, value: unknown): string[] => {
    let validate = compiled.get(pointer);
    if (!validate) {
      validate = ajv.compile({ $ref: `openapi.json#${pointer}` });
      compiled.set(pointer, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}`);
  };
}

function bodyText(payload: unknown): string | undefined {
  if (typeof payload === 'string') return payload;
  if (Buffer.isBuffer(payload)) return payload.toString('utf8');
  return undefined; // a stream: its bytes are not inspected
}

function isEnvelope(body: any): boolean {
  return (
    body !== null &&
    typeof body === 'object' &&
    Object.keys(body).length === 1 &&
    typeof body.error?.code === 'string' &&
    typeof body.error?.message === 'string'
  );
}

/** What is wrong with one response, or null. `document` is the app's own `/openapi.json`. */
export function checkResponse(
  document: any,
  validate: (pointer: string, value: unknown) => string[],
  request: { method: string; routeUrl: string | undefined },
  response: { status: number; contentType: string | undefined; payload: unknown },
): string | null {
  const { status, payload } = response;
  const text = bodyText(payload);
  const mediaType = (response.contentType ?? '').split(';')[0]!.trim().toLowerCase();
  let json: unknown;
  if (text !== undefined && text !== '' && mediaType.endsWith('json')) {
    try {
      json = JSON.parse(text);
    } catch {
      return `the ${status} body is not JSON although Content-Type is ${mediaType}`;
    }
  }
  if (status >= 400 && !isEnvelope(json)) {
    return `the ${status} answer is not the error envelope: ${String(text).slice(0, 200)}`;
  }

  const method = request.method.toLowerCase();
  if (!METHODS.has(method) || request.routeUrl === undefined) return null; // HEAD, OPTIONS, no route
  const path = documentPath(request.routeUrl);
  const operation = document.paths?.[path]?.[method];
  if (!operation) return null; // a route the document hides (e.g. /docs assets)
  const what = `${request.method} ${path}`;
  const declared = operation.responses?.[String(status)] ?? operation.responses?.default;
  if (!declared) {
    return `${what} answered ${status}, which its operation does not declare (declared: ${Object.keys(
      operation.responses ?? {},
    ).join(', ')})`;
  }
  if (payload === undefined || payload === null || text === '' || status === 204 || status === 304)
    return null;
  const content = declared.content as Record<string, any> | undefined;
  if (!content) return `${what} ${status} has a body but the document declares none`;
  const key = Object.keys(content).find((type) => type.toLowerCase() === mediaType);
  if (!key) {
    return `${what} ${status} answered ${mediaType || 'no Content-Type'}; declared: ${Object.keys(content).join(', ')}`;
  }
  if (json === undefined) return null; // not JSON (CSV, an image…): the media type was the check
  const pointer = `/paths/${escape(path)}/${method}/responses/${status}/content/${escape(key)}/schema`;
  const problems = validate(pointer, json);
  return problems.length ? `${what} ${status} does not match its schema: ${problems.join('; ')}` : null;
}

/**
 * Adds the check to an app that is not ready yet (a root hook reaches every route). The document is read
 * from the app itself on its first response; `options.document` may alter it (the check's own test uses
 * it to prove a wrong schema is noticed).
 */
export function installContractCheck(
  app: FastifyInstance,
  options: { document?: (served: any) => any } = {},
): ContractCheck {
  const violations: string[] = [];
  let oracle: { document: any; validate: (pointer: string, value: unknown) => string[] } | undefined;
  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    oracle ??= (() => {
      const served = app.swagger();
      const document = options.document ? options.document(structuredClone(served)) : served;
      return { document, validate: documentValidator(document) };
    })();
    const contentType = reply.getHeader('content-type');
    const problem = checkResponse(
      oracle.document,
      oracle.validate,
      { method: request.method, routeUrl: request.routeOptions.url },
      {
        status: reply.statusCode,
        contentType: typeof contentType === 'string' ? contentType : undefined,
        payload,
      },
    );
    if (!problem) return payload;
    violations.push(problem);
    reply.code(500).type('application/json; charset=utf-8');
    reply.removeHeader('content-length');
    return JSON.stringify({ error: { code: 'RESPONSE_CONTRACT_VIOLATION', message: problem } });
  });
  return { violations };
}
