import type { FastifyInstance, FastifyRequest } from 'fastify';
import multipart, { type Multipart } from '@fastify/multipart';
import { MAX_ID_LENGTH } from '../../http/schemas.js';
import { AppError, invalidInput, type FieldProblem } from '../../shared/errors.js';
import type { Tenant } from '../../shared/tenant.js';
import { assignBrand, deleteMedia, storeMedia, type Media, type MediaContext } from './media.service.js';

/** `boundary=…` (quoted or not, non-empty) among the parameters of a multipart Content-Type. */
const BOUNDARY = /;\s*boundary\s*=\s*(?:"[^"]+"|[^\s";]+)/i;

const MALFORMED =
  'The multipart body is malformed or truncated: each part must start with --<boundary> (the boundary ' +
  'of the Content-Type) and the body must end with --<boundary>--';

function badBody(problem: FieldProblem, message?: string): AppError {
  return invalidInput([problem], message, { location: 'body' });
}

/**
 * A failure of the multipart parser (busboy, @fastify/multipart) in the contract's terms. The bytes are
 * the client's, so it is always a 4xx: its limits by what they limit, anything else MALFORMED.
 */
function parseFailure(error: unknown): AppError {
  if (error instanceof AppError) return error;
  switch ((error as { code?: unknown }).code) {
    case 'FST_FILES_LIMIT':
      return badBody({ field: 'file', reason: 'Send one file per request' });
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return badBody({ field: '', reason: "Too many parts: send the part 'file' and at most a 'brandId'" });
    case 'FST_PROTO_VIOLATION':
      return badBody({ field: '', reason: 'A part is named after a reserved property such as __proto__' });
    case 'FST_INVALID_JSON_FIELD_ERROR':
      return badBody({ field: '', reason: 'A part declared as application/json is not valid JSON' });
    default:
      return badBody({ field: '', reason: MALFORMED });
  }
}

/** The next part, or undefined at the end; a parser failure becomes a 400. */
async function nextPart(parts: AsyncIterator<Multipart>): Promise<Multipart | undefined> {
  try {
    const next = await parts.next();
    return next.done ? undefined : next.value;
  } catch (error) {
    throw parseFailure(error);
  }
}

/**
 * `POST /media` as multipart/form-data: the `file` part is streamed into storage as it arrives (never
 * buffered); `brandId` may come before or after it. Any other part, a second file or no file is 400; so
 * is a malformed body (no boundary, truncated, never closed): whatever failed, nothing is kept — a file
 * already stored when a later part fails is deleted again.
 */
export async function uploadMultipart(
  ctx: MediaContext,
  tenant: Tenant,
  request: FastifyRequest,
): Promise<Media> {
  if (!BOUNDARY.test(request.headers['content-type'] ?? '')) {
    throw invalidInput(
      [{ field: 'Content-Type', reason: 'multipart/form-data needs a boundary parameter' }],
      'Content-Type multipart/form-data needs a boundary parameter (e.g. multipart/form-data; boundary=x)',
      { location: 'header' },
    );
  }
  const upload: Upload = {};
  try {
    const parts = request.parts()[Symbol.asyncIterator]();
    for (let part = await nextPart(parts); part; part = await nextPart(parts)) {
      try {
        await takePart(ctx, tenant, part, upload);
      } catch (error) {
        // A file that could not be stored because the body broke off (truncated, never closed) fails
        // with the parser's error, which the parser reports next: that 400 is the answer then.
        if (part.type === 'file' && !(error instanceof AppError)) await nextPart(parts);
        throw error;
      }
    }
  } catch (error) {
    if (upload.media) await deleteMedia(ctx, tenant, upload.media.id).catch(() => undefined);
    throw error;
  }
  if (!upload.media) throw badBody({ field: 'file', reason: 'Field is required' });
  return upload.media;
}

/** What the parts of one request gave so far. */
interface Upload {
  brandId?: string;
  media?: Media;
}

/** One part: `brandId` (before or after the file) or the file itself. */
async function takePart(ctx: MediaContext, tenant: Tenant, part: Multipart, upload: Upload): Promise<void> {
  // A part without a name (no `name=` in its Content-Disposition) has no field to blame.
  const field = typeof part.fieldname === 'string' ? part.fieldname : '';
  if (part.type === 'field') {
    if (field !== 'brandId') throw badBody({ field, reason: 'Unknown field' });
    // A part sent as application/json arrives parsed; a brand id is a string.
    if (typeof part.value !== 'string') throw badBody({ field, reason: 'Must be a string' });
    if (part.value.length > MAX_ID_LENGTH) {
      throw badBody({ field, reason: `Must be at most ${MAX_ID_LENGTH} characters` });
    }
    upload.brandId = part.value;
    if (upload.media) upload.media = await assignBrand(ctx, tenant, upload.media.id, part.value);
    return;
  }
  if (field !== 'file' || upload.media) {
    part.file.resume();
    throw badBody(
      field !== 'file'
        ? { field, reason: "Unknown field; send the file in the field 'file'" }
        : { field: 'file', reason: 'Send one file per request' },
    );
  }
  upload.media = await storeMedia(ctx, tenant, {
    body: part.file,
    filename: part.filename,
    declaredType: part.mimetype,
    brandId: upload.brandId,
    source: 'upload',
  });
}

/**
 * Multipart parsing for the media routes, streamed (parts are read as the handler asks for them). A
 * request answered before its body was read to the end (a refused part, a malformed body) closes its
 * connection: the unread rest of the body cannot be told apart from a next request.
 */
export async function registerUploads(app: FastifyInstance, ctx: MediaContext): Promise<void> {
  const { maxImageBytes, maxVideoBytes } = ctx.limits;
  // The type's own limit is enforced while storing; this one only caps the part.
  await app.register(multipart, {
    limits: {
      fileSize: Math.max(maxImageBytes, maxVideoBytes) + 1,
      files: 1,
      fields: 4,
      fieldSize: 1024,
      parts: 5,
    },
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.isMultipart() && !request.raw.readableEnded) reply.header('Connection', 'close');
    return payload;
  });
}
