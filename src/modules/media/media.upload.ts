import type { FastifyRequest } from 'fastify';
import { invalidInput } from '../../shared/errors.js';
import type { Tenant } from '../../shared/tenant.js';
import { assignBrand, storeMedia, type Media, type MediaContext } from './media.service.js';

/**
 * `POST /media` as multipart/form-data: the `file` part is streamed into storage as it arrives (never
 * buffered); `brandId` may come before or after it. Any other part, a second file or no file is 400.
 */
export async function uploadMultipart(
  ctx: MediaContext,
  tenant: Tenant,
  request: FastifyRequest,
): Promise<Media> {
  let brandId: string | undefined;
  let media: Media | undefined;
  for await (const part of request.parts()) {
    if (part.type === 'field') {
      if (part.fieldname !== 'brandId') {
        throw invalidInput([{ field: part.fieldname, reason: 'Unknown field' }]);
      }
      brandId = String(part.value);
      if (media) media = await assignBrand(ctx, tenant, media.id, brandId);
      continue;
    }
    if (part.fieldname !== 'file' || media) {
      part.file.resume();
      throw invalidInput([
        part.fieldname !== 'file'
          ? { field: part.fieldname, reason: "Unknown field; send the file in the field 'file'" }
          : { field: 'file', reason: 'Send one file per request' },
      ]);
    }
    media = await storeMedia(ctx, tenant, {
      body: part.file,
      filename: part.filename,
      declaredType: part.mimetype,
      brandId,
      source: 'upload',
    });
  }
  if (!media) throw invalidInput([{ field: 'file', reason: 'Field is required' }]);
  return media;
}
