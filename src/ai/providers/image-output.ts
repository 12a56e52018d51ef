import type { Sharp } from 'sharp';
import type { GeneratedImage, ImageRequest } from '../types.js';

/**
 * `image` brought to the request's exact size (`fit`: how it gets there) and encoded in the request's
 * format: PNG unless JPEG is asked for, at `jpegQuality`.
 */
export async function encodeRequested(
  image: Sharp,
  req: ImageRequest,
  how: { fit: 'fill' | 'cover'; jpegQuality: number },
): Promise<GeneratedImage> {
  const sized = image.resize(req.width, req.height, { fit: how.fit });
  const jpeg = req.format === 'jpeg';
  const bytes = await (jpeg ? sized.jpeg({ quality: how.jpegQuality }) : sized.png()).toBuffer();
  return { bytes, mimeType: jpeg ? 'image/jpeg' : 'image/png', width: req.width, height: req.height };
}
