import type { RequestOptions } from '../core/http.js';
import type { PagePromise } from '../core/pagination.js';
import type { Deleted, Media, MediaImportParams, MediaListParams } from '../types.js';
import { APIResource, seg } from './resource.js';

/**
 * What `media.upload` takes: a `Blob`/`File`, bytes (`Uint8Array`, Node `Buffer`, `ArrayBuffer`), a web
 * `ReadableStream` or any async iterable of chunks (a Node `Readable`), or — in Node — a file path.
 */
export type Uploadable =
  Blob | Uint8Array | ArrayBuffer | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string> | string;

/** Options of `media.upload`: the brand, and the file name and content type when the source has none. */
export interface MediaUploadParams {
  /** The brand the item belongs to. */
  brandId?: string;
  /** The file name sent with the upload (default: the `File`'s or path's name, else `upload`). */
  filename?: string;
  /** The part's content type (the server reads the real type from the bytes). */
  contentType?: string;
}

/** Options of `media.content`: an HTTP `Range` to download part of the file. */
export interface MediaContentParams {
  /** A byte range, e.g. `bytes=0-1023` (the answer is then 206). */
  range?: string;
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() || 'upload';
}

type BlobPart = NonNullable<ConstructorParameters<typeof Blob>[0]>[number];

async function collect(chunks: AsyncIterable<Uint8Array | string>, type: string): Promise<Blob> {
  const parts: BlobPart[] = [];
  for await (const chunk of chunks) parts.push(chunk as BlobPart);
  return new Blob(parts, { type });
}

async function* readStream(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * The upload as a `Blob` (which a retry can send again) and its file name. Streams are read into
 * memory; a path is opened as a file-backed Blob (Node's `fs.openAsBlob`), imported only for a path so
 * the SDK runs where there is no `node:fs`.
 */
async function toBlob(file: Uploadable, params: MediaUploadParams): Promise<{ blob: Blob; name: string }> {
  const type = params.contentType ?? 'application/octet-stream';
  if (typeof file === 'string') {
    const specifier = 'node:fs';
    const fs = (await import(/* @vite-ignore */ specifier)) as {
      openAsBlob(path: string, options?: { type?: string }): Promise<Blob>;
    };
    return { blob: await fs.openAsBlob(file, { type }), name: params.filename ?? baseName(file) };
  }
  const name = params.filename ?? (file as { name?: unknown }).name;
  const filename = typeof name === 'string' && name ? baseName(name) : 'upload';
  if (file instanceof Blob) return { blob: file, name: filename };
  if (file instanceof ArrayBuffer || ArrayBuffer.isView(file)) {
    return { blob: new Blob([file as BlobPart], { type }), name: filename };
  }
  if (typeof (file as ReadableStream).getReader === 'function') {
    return { blob: await collect(readStream(file as ReadableStream<Uint8Array>), type), name: filename };
  }
  if (typeof (file as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === 'function') {
    return { blob: await collect(file as AsyncIterable<Uint8Array>, type), name: filename };
  }
  throw new TypeError('media.upload takes a Blob, bytes, a stream or a file path');
}

/** Images, GIFs and videos that posts refer to by id: `/media`. */
export class MediaResource extends APIResource {
  /**
   * Uploads a file (multipart, field `file`); the server reads its type from the bytes.
   *
   * ```ts
   * await client.media.upload('./photo.jpg', { brandId });           // a path (Node)
   * await client.media.upload(new Blob([bytes]), { filename: 'a.png' });
   * await client.media.upload(fs.createReadStream('./clip.mp4'));   // a Node stream
   * ```
   */
  async upload(file: Uploadable, params: MediaUploadParams = {}, options?: RequestOptions): Promise<Media> {
    const { blob, name } = await toBlob(file, params);
    const form = new FormData();
    if (params.brandId) form.append('brandId', params.brandId);
    form.append('file', blob, name);
    return this.data('POST', '/media', { rawBody: form, options });
  }

  /** Imports a file from a URL (`{url, brandId?}`). */
  import(params: MediaImportParams, options?: RequestOptions): Promise<Media> {
    return this.data('POST', '/media', { body: params, options });
  }

  /** Lists media items (filters `type`, `brandId`). */
  list(params?: MediaListParams, options?: RequestOptions): PagePromise<Media> {
    return this.page<Media>('/media', params, options);
  }

  /** Retrieves a media item. */
  retrieve(id: string, options?: RequestOptions): Promise<Media> {
    return this.data('GET', `/media/${seg(id)}`, { options });
  }

  /**
   * Downloads the item's bytes: resolves to the `Response` (read it with `arrayBuffer()`, `blob()` or
   * stream `body`). The timeout covers the wait for the headers, not the download.
   */
  content(id: string, params: MediaContentParams = {}, options?: RequestOptions): Promise<Response> {
    const headers = { ...(params.range ? { range: params.range } : {}), ...options?.headers };
    return this.http.send({
      method: 'GET',
      path: `/media/${seg(id)}/content`,
      stream: true,
      options: { ...options, headers: { accept: '*/*', ...headers } },
    });
  }

  /** Deletes a media item (409 while a scheduled or publishing post uses it). */
  delete(id: string, options?: RequestOptions): Promise<Deleted> {
    return this.data('DELETE', `/media/${seg(id)}`, { options });
  }
}
