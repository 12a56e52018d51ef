import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { resourceUrl, type RouteDeps } from '../route-deps.js';
import { resourceRoutes } from '../../http/resource-routes.js';
import { DataEnvelope, ErrorEnvelope, ErrorResponse, IdParams } from '../../http/schemas.js';
import { AppError } from '../../shared/errors.js';
import { importInputProblems, importMedia } from './media.import.js';
import { registerUploads, uploadMultipart } from './media.upload.js';
import { THUMBNAIL_MIME } from './media.probe.js';
import { ifNoneMatchHits } from '../../http/etag.js';
import { parseRange } from './media.range.js';
import * as schema from './media.schemas.js';
import * as service from './media.service.js';
import type { MediaRow } from '../../db/tables/media.js';

const TAGS = ['Media'];
const Params = IdParams('Media item', schema.MEDIA_EXAMPLE);
type ContentRequest = FastifyRequest<{
  Params: Static<typeof Params>;
  Querystring: Static<typeof schema.ContentQuery>;
}>;

export interface MediaRouteDeps extends RouteDeps {
  media: service.MediaContext;
}

const contentResponses = (types: readonly string[], maxBytes: number) => ({
  200: { description: 'The content', content: schema.binaryContent(types, maxBytes) },
  206: {
    description: 'The requested byte range (`Content-Range`)',
    content: schema.binaryContent(types, maxBytes),
  },
  416: { ...Type.Ref(ErrorEnvelope), description: 'The range starts past the end of the content' },
});

/**
 * Streams a blob with a strong ETag (its SHA-256), answering `If-None-Match` with 304 and one `Range`
 * with 206 (416 when it starts past the end).
 */
async function sendBlob(
  ctx: service.MediaContext,
  request: FastifyRequest,
  reply: FastifyReply,
  blob: { key: string; size: number; type: string; filename?: string | null },
) {
  const etag = `"${blob.key}"`;
  reply.header('ETag', etag).header('Accept-Ranges', 'bytes');
  if (blob.filename)
    reply.header('Content-Disposition', `inline; filename="${blob.filename.replace(/[^\x20-\x7e]/g, '_')}"`);
  if (ifNoneMatchHits(request.headers['if-none-match'], etag)) return reply.code(304).send();
  const ifRange = request.headers['if-range'];
  const range = ifRange && ifRange !== etag ? null : parseRange(request.headers.range, blob.size);
  if (range === 'unsatisfiable') {
    throw new AppError(
      'RANGE_NOT_SATISFIABLE',
      `The range starts past the end of the content (${blob.size} bytes)`,
      { size: blob.size },
      { 'Content-Range': `bytes */${blob.size}` },
    );
  }
  const stream = await ctx.storage.get(blob.key, range ?? undefined);
  reply.type(blob.type);
  if (range) {
    reply
      .code(206)
      .header('Content-Range', `bytes ${range.start}-${range.end}/${blob.size}`)
      .header('Content-Length', String(range.end - range.start + 1));
  } else {
    reply.header('Content-Length', String(blob.size));
  }
  return reply.send(stream);
}

export async function mediaRoutes(app: FastifyInstance, deps: MediaRouteDeps): Promise<void> {
  const ctx = deps.media;
  const { maxImageBytes, maxVideoBytes } = ctx.limits;
  await registerUploads(app, ctx);
  const media = resourceRoutes(app, { path: '/media', tags: TAGS, params: Params, item: schema.MediaSchema });

  /** The row a content request may read: the key's tenant's, or any one a valid signed link names. */
  const rowFor = async (request: ContentRequest): Promise<MediaRow> => {
    const { id } = request.params;
    if (request.principal) return service.findMediaRow(ctx, request.principal, id);
    const { expires = '', signature = '' } = request.query;
    return service.findSignedMediaRow(ctx, id, expires, signature);
  };
  // The key or a signed link (see auth.ts `signedAccess`).
  const contentConfig = { scope: 'read', signedAccess: true } as const;

  media.list(
    {
      config: { scope: 'read' },
      operationId: 'listMedia',
      summary: 'List media items',
      description: 'Newest first. Filter by `type` and `brandId`.',
      querystring: schema.ListMediaQuery,
      answer: 'A page of media items',
    },
    async (request, page) => {
      const { type, brandId } = request.query;
      return service.listMedia(ctx, request.principal, page, { type, brandId });
    },
  );

  app.post<{ Body: Static<typeof schema.ImportMediaBody> }>(
    '/media',
    {
      config: {
        scope: 'read_write',
        // An import fetches its URL while the request waits.
        outbound: true,
        inputChecks: { body: (body) => importInputProblems(body, ctx.allowPrivateUrls) },
      },
      schema: {
        tags: TAGS,
        operationId: 'createMedia',
        summary: 'Upload a file, or import one from a URL',
        description:
          'Either `multipart/form-data` with the file in the part `file` (and optionally `brandId`), ' +
          'streamed to storage, or JSON `{url, brandId?}`, downloaded by the server. The type is read from ' +
          'the bytes: PNG, JPEG, WebP, GIF, MP4, MOV or WebM; anything else, or a part Content-Type that ' +
          `contradicts the bytes, is 415. Limits: images and GIFs ${maxImageBytes} bytes, videos ` +
          `${maxVideoBytes} bytes (413). Images get their width, height and a thumbnail; MP4/MOV videos their ` +
          'width, height and duration. Identical files are stored once. A malformed multipart body (no ' +
          'boundary, truncated, never closed, a part without a name) is 400 `INVALID_INPUT`; whatever fails, ' +
          'nothing is stored.',
        body: {
          content: {
            'application/json': { schema: schema.ImportMediaBody },
            'multipart/form-data': { schema: schema.uploadMediaForm(Math.max(maxImageBytes, maxVideoBytes)) },
          },
        },
        response: { 201: DataEnvelope(Type.Ref(schema.MediaSchema), 'The media item, stored') },
      },
    },
    async (request, reply) => {
      const media = request.isMultipart()
        ? await uploadMultipart(ctx, request.principal, request)
        : await importMedia(ctx, request.principal, request.body);
      reply.code(201).header('Location', resourceUrl(deps, request, `/media/${media.id}`));
      return { data: media };
    },
  );

  media.get(
    { config: { scope: 'read' }, operationId: 'getMedia', summary: 'Retrieve a media item' },
    (request, id) => service.getMedia(ctx, request.principal, id),
  );

  app.get<{ Params: Static<typeof Params>; Querystring: Static<typeof schema.ContentQuery> }>(
    '/media/:id/content',
    {
      config: contentConfig,
      schema: {
        tags: TAGS,
        operationId: 'getMediaContent',
        summary: "Download a media item's content",
        description:
          'The bytes, with `Content-Type`, `Content-Length` and a strong `ETag` (the SHA-256): ' +
          '`If-None-Match` answers 304, one `Range: bytes=…` answers 206 with `Content-Range` (416 past the ' +
          'end). Instead of the API key, a signed link (`expires` and `signature`, made for platforms ' +
          'that fetch media) works without one until it expires; a wrong or expired signature is 403.',
        params: Params,
        querystring: schema.ContentQuery,
        response: contentResponses(schema.CONTENT_TYPES, Math.max(maxImageBytes, maxVideoBytes)),
      },
    },
    async (request, reply) => {
      const row = await rowFor(request);
      return sendBlob(ctx, request, reply, {
        key: row.sha256,
        size: row.size,
        type: row.mime_type,
        filename: row.filename,
      });
    },
  );

  app.get<{ Params: Static<typeof Params> }>(
    '/media/:id/thumbnail',
    {
      config: { scope: 'read' },
      schema: {
        tags: TAGS,
        operationId: 'getMediaThumbnail',
        summary: "Download a media item's thumbnail",
        description: 'A JPEG of at most 320×320 px, for images and GIFs; 404 for videos.',
        params: Params,
        response: contentResponses([THUMBNAIL_MIME], schema.MAX_THUMBNAIL_BYTES),
      },
    },
    async (request, reply) => {
      const row = await service.findMediaRow(ctx, request.principal, request.params.id);
      if (!row.thumbnail_sha256) throw new AppError('NOT_FOUND', 'This media item has no thumbnail');
      return sendBlob(ctx, request, reply, {
        key: row.thumbnail_sha256,
        size: row.thumbnail_size ?? 0,
        type: THUMBNAIL_MIME,
      });
    },
  );

  media.delete(
    {
      config: { scope: 'read_write' },
      operationId: 'deleteMedia',
      summary: 'Delete a media item',
      description:
        'Refused (409, naming the post in `details.postId`) while a SCHEDULED or PUBLISHING post uses it. ' +
        'The bytes are deleted once no other item shares them.',
      errors: { 409: ErrorResponse('A SCHEDULED or PUBLISHING post uses the media item (`details.postId`)') },
    },
    (request, id) => service.deleteMedia(ctx, request.principal, id),
  );
}
