import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { S3Config } from '../../../config/index.js';
import {
  blobPath,
  BlobNotFoundError,
  type ByteRange,
  type MediaStorage,
  type StagedBlob,
} from './storage.js';
import { abandoned, temporaryName, type SweepReport } from './temporary.js';

/** Bytes buffered per multipart part (S3's minimum part size is 5 MiB). */
const PART_BYTES = 8 * 1024 * 1024;
const PREFIX = 'media/';
const TMP_PREFIX = `${PREFIX}tmp/`;

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

/**
 * Blobs as objects `media/ab/cd/<sha256>` in an S3-compatible bucket. The key is known only once the
 * whole body has been read, so: a body that fits in one part is hashed while buffered and, when
 * committed, put straight under its key; a larger one is streamed as a multipart upload to
 * `media/tmp/<name>` (one part in memory at a time) and, when committed, copied under its key
 * server-side and the temporary object deleted. A failed or discarded upload is aborted or deleted,
 * leaving nothing in the bucket; what a crash leaves in `media/tmp/` is removed by `sweepTemporary`.
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

  async stage(body: Readable): Promise<StagedBlob> {
    const hash = createHash('sha256');
    let size = 0;
    let chunks: Buffer[] = [];
    let buffered = 0;
    const tmpKey = `${TMP_PREFIX}${temporaryName()}`;
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
      if (uploadId === undefined) return this.stagedInMemory(key, Buffer.concat(chunks));
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
      return this.stagedObject(key, size, tmpKey);
    } catch (error) {
      if (uploadId !== undefined) {
        await this.client
          .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: tmpKey, UploadId: uploadId }))
          .catch(() => undefined);
      }
      throw error;
    }
  }

  /** A body that fits in one part: held in memory, put straight under its key when committed. */
  private stagedInMemory(key: string, data: Buffer): StagedBlob {
    let bytes: Buffer | undefined = data;
    return {
      key,
      size: data.length,
      read: async (range) => {
        if (!bytes) throw new BlobNotFoundError(key);
        return Readable.from([range ? bytes.subarray(range.start, range.end + 1) : bytes]);
      },
      commit: async () => {
        if (!bytes) return;
        await this.client.send(
          new PutObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), Body: bytes }),
        );
        bytes = undefined;
      },
      discard: async () => {
        bytes = undefined;
      },
    };
  }

  /** A larger body: a temporary object, copied under its key server-side when committed. */
  private stagedObject(key: string, size: number, tmpKey: string): StagedBlob {
    let settled = false;
    const remove = () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: tmpKey }));
    return {
      key,
      size,
      read: async (range) => this.getObject(tmpKey, key, range),
      commit: async () => {
        if (settled) return;
        try {
          if ((await this.stat(key)) === null) {
            await this.client.send(
              new CopyObjectCommand({
                Bucket: this.bucket,
                Key: this.objectKey(key),
                CopySource: `${this.bucket}/${tmpKey}`,
              }),
            );
          }
        } finally {
          settled = true;
          await remove();
        }
      },
      discard: async () => {
        if (settled) return;
        settled = true;
        await remove();
      },
    };
  }

  async put(body: Readable): Promise<{ key: string; size: number }> {
    const staged = await this.stage(body);
    try {
      await staged.commit();
    } catch (error) {
      await staged.discard().catch(() => undefined);
      throw error;
    }
    return { key: staged.key, size: staged.size };
  }

  private async getObject(objectKey: string, key: string, range?: ByteRange): Promise<Readable> {
    try {
      const res = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: objectKey,
          ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        }),
      );
      return res.Body as Readable;
    } catch (error) {
      if (isNotFound(error)) throw new BlobNotFoundError(key);
      throw error;
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    return this.getObject(this.objectKey(key), key, range);
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

  async sweepTemporary(staleAfterMs: number): Promise<SweepReport> {
    const report: SweepReport = { removed: 0, kept: 0 };
    const now = Date.now();
    const judge = (objectKey: string | undefined, at: Date | undefined) => {
      const name = (objectKey ?? '').slice(TMP_PREFIX.length);
      const gone = at !== undefined && abandoned(name, at.getTime(), now, staleAfterMs);
      report[gone ? 'removed' : 'kept']++;
      return gone;
    };
    // Completed temporary objects (staged, or between their copy and their deletion).
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: TMP_PREFIX, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        if (judge(object.Key, object.LastModified)) {
          await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: object.Key }));
        }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    // Multipart uploads never completed or aborted: invisible in listings, but stored (and billed).
    let marker: { KeyMarker?: string; UploadIdMarker?: string } = {};
    do {
      let page;
      try {
        page = await this.client.send(
          new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: TMP_PREFIX, ...marker }),
        );
      } catch (error) {
        // Some S3-compatible servers do not list uploads; a bucket lifecycle rule covers them there.
        if ((error as { name?: string }).name === 'NotImplemented') break;
        throw error;
      }
      for (const upload of page.Uploads ?? []) {
        if (judge(upload.Key, upload.Initiated)) {
          await this.client.send(
            new AbortMultipartUploadCommand({
              Bucket: this.bucket,
              Key: upload.Key,
              UploadId: upload.UploadId,
            }),
          );
        }
      }
      marker = page.IsTruncated
        ? { KeyMarker: page.NextKeyMarker, UploadIdMarker: page.NextUploadIdMarker }
        : {};
    } while (marker.KeyMarker);
    return report;
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
