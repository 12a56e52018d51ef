import type { FastifyInstance, FastifyRequest } from 'fastify';
import multipart, { type Multipart } from '@fastify/multipart';
import { MAX_ID_LENGTH } from '../../shared/validation/schemas.js';
import { NUL_MESSAGE } from '../../shared/validation/validator.js';
import { AppError, invalidInput, type FieldProblem } from '../../shared/errors.js';
import type { Tenant } from '../../shared/tenant.js';
import { requireBrand } from '../brands/index.js';
import { commitMedia, stageMedia, type Media, type MediaContext, type StagedMedia } from './media.service.js';

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
 * `POST /media` as multipart/form-data: the `file` part is streamed into the temporary area as it
 * arrives (never buffered); `brandId` may come before or after it. The media item is made only once the
 * whole body has been read and found valid: any other part, a second file ("one file per request"), no
 * file, an unknown brand or a malformed body (no boundary, truncated, never closed) is 400, and whatever
 * failed, nothing is kept — no row, no blob, no thumbnail, no temporary file.
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
        // A file that could not be staged because the body broke off (truncated, never closed) fails
        // with the parser's error, which the parser reports next: that 400 is the answer then.
        if (part.type === 'file' && !(error instanceof AppError)) await nextPart(parts);
        throw error;
      }
    }
    if (!upload.file) throw badBody({ field: 'file', reason: 'Field is required' });
    const staged = upload.file;
    // Committed (and no longer ours to discard) whether or not it succeeds.
    upload.file = undefined;
    return await commitMedia(ctx, tenant, staged, { brandId: upload.brandId ?? null, source: 'upload' });
  } catch (error) {
    await upload.file?.blob.discard().catch(() => undefined);
    throw error;
  }
}

/** What the parts of one request gave so far. */
interface Upload {
  brandId?: string;
  file?: StagedMedia;
  /** A file part arrived (staged or not): a second one is refused. */
  sawFile?: boolean;
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
    // As in every JSON string the schemas check: PostgreSQL cannot store or compare U+0000.
    if (part.value.includes('\u0000')) throw badBody({ field, reason: NUL_MESSAGE });
    // Before the file: an unknown brand needs no upload (it is checked again when the item is made).
    if (!upload.sawFile) await requireBrand(ctx, tenant, part.value);
    upload.brandId = part.value;
    return;
  }
  if (field !== 'file' || upload.sawFile) {
    part.file.resume();
    throw badBody(
      field !== 'file'
        ? { field, reason: "Unknown field; send the file in the field 'file'" }
        : { field: 'file', reason: 'Send one file per request' },
    );
  }
  upload.sawFile = true;
  upload.file = await stageMedia(ctx, {
    body: part.file,
    filename: part.filename,
    declaredType: part.mimetype,
  });
}

/**
 * Multipart parsing for the media routes, streamed (parts are read as the handler asks for them). A
 * request answered before its body was read to the end (a refused part, a malformed body) closes its
 * connection, as every such answer does (`registerConnectionHandling`, src/http/protocol.ts).
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
}
