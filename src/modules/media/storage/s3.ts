import { createHash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { S3Config } from '../../../config/index.js';
import { blobPath, BlobNotFoundError, type ByteRange, type MediaStorage } from './storage.js';

/** Bytes buffered per multipart part (S3's minimum part size is 5 MiB). */
const PART_BYTES = 8 * 1024 * 1024;
const PREFIX = 'media/';

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

/**
 * Blobs as objects `media/ab/cd/<sha256>` in an S3-compatible bucket. The key is known only once the
 * whole body has been read, so: a body that fits in one part is hashed while buffered and put straight
 * under its key; a larger one is streamed as a multipart upload to `media/tmp/<uuid>` (one part in
 * memory at a time), then copied under its key server-side and the temporary object deleted. A failed
 * upload is aborted, leaving nothing in the bucket.
 */
export class S3Storage implements MediaStorage {
  readonly driver = 's3' as const;
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(config: S3Config) {
    this.bucket = config.bucket;
    this.client = new S3Client({
      region: config.region,
      endpoint: config.endpoint,
      forcePathStyle: config.forcePathStyle,
      ...(config.accessKeyId && config.secretAccessKey
        ? { credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey } }
        : {}),
    });
  }

  private objectKey(key: string): string {
    return PREFIX + blobPath(key);
  }

  async put(body: Readable): Promise<{ key: string; size: number }> {
    const hash = createHash('sha256');
    let size = 0;
    let chunks: Buffer[] = [];
    let buffered = 0;
    const tmpKey = `${PREFIX}tmp/${randomUUID()}`;
    let uploadId: string | undefined;
    const parts: { ETag: string | undefined; PartNumber: number }[] = [];
    const flush = async () => {
      uploadId ??= (
        await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: tmpKey }))
      ).UploadId;
      const PartNumber = parts.length + 1;
      const Body = Buffer.concat(chunks);
      chunks = [];
      buffered = 0;
      const { ETag } = await this.client.send(
        new UploadPartCommand({ Bucket: this.bucket, Key: tmpKey, UploadId: uploadId, PartNumber, Body }),
      );
      parts.push({ ETag, PartNumber });
    };
    try {
      for await (const chunk of body) {
        const buf = chunk as Buffer;
        hash.update(buf);
        size += buf.length;
        chunks.push(buf);
        buffered += buf.length;
        if (buffered >= PART_BYTES) await flush();
      }
      const key = hash.digest('hex');
      const Key = this.objectKey(key);
      if (uploadId === undefined) {
        const Body = Buffer.concat(chunks);
        await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body }));
        return { key, size };
      }
      if (buffered > 0) await flush();
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: tmpKey,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
      uploadId = undefined;
      try {
        if ((await this.stat(key)) === null) {
          await this.client.send(
            new CopyObjectCommand({ Bucket: this.bucket, Key, CopySource: `${this.bucket}/${tmpKey}` }),
          );
        }
      } finally {
        await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: tmpKey }));
      }
      return { key, size };
    } catch (error) {
      if (uploadId !== undefined) {
        await this.client
          .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: tmpKey, UploadId: uploadId }))
          .catch(() => undefined);
      }
      throw error;
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    try {
      const res = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.objectKey(key),
          ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        }),
      );
      return res.Body as Readable;
    } catch (error) {
      if (isNotFound(error)) throw new BlobNotFoundError(key);
      throw error;
    }
  }

  async stat(key: string): Promise<{ size: number } | null> {
    try {
      const head = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }),
      );
      return { size: head.ContentLength ?? 0 };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
