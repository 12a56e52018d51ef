/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are JSON of any shape */
import fs from 'node:fs';
import path from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import type { FastifyInstance } from 'fastify';
import { storeMedia } from '../../src/modules/media/index.js';
import { makeImage, multipartBody } from '../fixtures/media.js';
import type { Answer, TestApp } from './app.js';

// The SDK warns once that releases after January 2027 need Node 22; tests need not say so.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export type StorageDriver = 'local' | 's3';
/** Every media test runs on each storage driver (S3 against s3rver on loopback). */
export const drivers: StorageDriver[] = ['local', 's3'];

export interface StorageFixture {
  /** Environment variables selecting the driver. */
  env: Record<string, string>;
  /** Keys of every stored blob (temporary files and objects included). */
  list(t: TestApp): Promise<string[]>;
  /** Writes `data` under `key` as `list` names it, behind the driver's back (what a crash leaves). */
  putRaw(t: TestApp, key: string, data: Buffer): Promise<void>;
  close(): Promise<void>;
}

const BUCKET = 'audenci-test';

/** The driver's backing store: nothing for local files, an s3rver with a bucket for S3. */
export async function startStorage(driver: StorageDriver): Promise<StorageFixture> {
  if (driver === 'local') {
    return {
      env: {},
      async list(t) {
        const root = path.join(t.runtime.config.dataDir, 'media');
        if (!fs.existsSync(root)) return [];
        return (fs.readdirSync(root, { recursive: true }) as string[])
          .filter((p) => fs.statSync(path.join(root, p)).isFile())
          .map((p) => p.split(path.sep).join('/'));
      },
      async putRaw(t, key, data) {
        const file = path.join(t.runtime.config.dataDir, 'media', ...key.split('/'));
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, data);
      },
      async close() {},
    };
  }
  const directory = fs.mkdtempSync(path.join(fs.realpathSync('/tmp'), 'audenci-s3-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', directory, silent: true });
  const { port } = (await server.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const client = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials });
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  return {
    env: {
      AUDENCI_MEDIA_STORAGE: 's3',
      S3_BUCKET: BUCKET,
      S3_REGION: 'us-east-1',
      S3_ENDPOINT: endpoint,
      S3_ACCESS_KEY_ID: credentials.accessKeyId,
      S3_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
    },
    async list() {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET }));
      return (listed.Contents ?? []).map((o) => o.Key!);
    },
    async putRaw(_t, key, data) {
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: data }));
    },
    async close() {
      client.destroy();
      await server.close();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** `POST /media` as multipart with one file (and fields), through inject. */
export async function upload(
  app: FastifyInstance,
  key: string,
  file: { data: Buffer; filename?: string; contentType?: string },
  fields: Record<string, string> = {},
): Promise<Answer> {
  const { body, contentType } = multipartBody([
    ...Object.entries(fields).map(([name, value]) => ({ name, value })),
    { name: 'file', filename: file.filename ?? 'file.bin', contentType: file.contentType, data: file.data },
  ]);
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/media',
    headers: { authorization: `Bearer ${key}`, 'content-type': contentType },
    payload: body,
  });
  const type = String(res.headers['content-type'] ?? '');
  return {
    status: res.statusCode,
    headers: res.headers,
    body: (type.includes('json') ? JSON.parse(res.body) : undefined) as any,
    raw: res.body,
  };
}

/** A stored media item (a small PNG unless `data` says otherwise) of a tenant; its id. */
export async function createMediaItem(
  t: TestApp,
  tenant: { organizationId: string; environment: 'live' | 'test' },
  data?: Buffer,
): Promise<string> {
  const body = data ?? (await makeImage('png', 16, 16));
  return (await storeMedia(t.runtime.media, tenant, { body, source: 'upload' })).id;
}
