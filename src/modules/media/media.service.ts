import { Readable, pipeline } from 'node:stream';
import { toIso } from '../../shared/clock.js';
import { AppError, conflict, notFound } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Tenant } from '../../shared/tenant.js';
import { requireBrand } from '../brands/index.js';
import type { ServiceContext } from '../context.js';
import { findByIdOr404 } from '../by-id.js';
import { tenantList, BY_CREATED_AT } from '../lists.js';
import { probe, UnreadableMediaError, type Probed } from './media.probe.js';
import * as repo from './media.repository.js';
import { signContent, verifyContentSignature } from './media.signing.js';
import { MediaGate, type Detected, type MediaLimits } from './media.sniff.js';
import {
  MAX_FILENAME_LENGTH,
  type MediaRow,
  type MediaSource,
  type MediaType,
} from '../../db/tables/media.js';
import type { ByteRange, MediaStorage, StagedBlob } from './storage/index.js';

/** A media item as the API shows it. */
export interface Media {
  id: string;
  brandId: string | null;
  type: MediaType;
  mimeType: string;
  size: number;
  sha256: string;
  width: number | null;
  height: number | null;
  durationSeconds: number | null;
  filename: string | null;
  source: MediaSource;
  /** The API content URL (bearer key, or a signed link from `signedContentUrl`). */
  url: string;
  thumbnailUrl: string | null;
  createdAt: string;
}

/** What media functions need beyond the service context. */
export interface MediaContext extends ServiceContext {
  storage: MediaStorage;
  /** AUDENCI_PUBLIC_URL: content URLs are absolute. */
  publicUrl: string;
  limits: MediaLimits;
  allowPrivateUrls: boolean;
  /** Signs content links (derived from AUDENCI_SECRET_KEY). */
  signingKey: Buffer;
  /** Keys of an ongoing secret-key rotation: links they signed still work until they expire. */
  previousSigningKeys?: Buffer[];
  /** How long a temporary upload may go untouched before a sweep removes it (`temporaryStaleAfterMs`). */
  temporaryStaleAfterMs: number;
}

export interface StoreMediaInput {
  body: NodeJS.ReadableStream | Buffer;
  filename?: string | null;
  /** The Content-Type the sender declared; a contradiction with the bytes is 415. */
  declaredType?: string | null;
  brandId?: string | null;
  source: MediaSource;
  /** The input field errors name (default `file`). */
  field?: string;
}

/** The count cache's resource for a tenant's media (`totalCount` of the list). */
export function mediaResource(tenant: Tenant): string {
  return `media:${tenant.organizationId}:${tenant.environment}`;
}

export function toMedia(ctx: Pick<MediaContext, 'publicUrl'>, row: MediaRow): Media {
  const base = `${ctx.publicUrl}/api/v1/media/${row.id}`;
  return {
    id: row.id,
    brandId: row.brand_id,
    type: row.type,
    mimeType: row.mime_type,
    size: row.size,
    sha256: row.sha256,
    width: row.width,
    height: row.height,
    durationSeconds: row.duration_seconds,
    filename: row.filename,
    source: row.source,
    url: `${base}/content`,
    thumbnailUrl: row.thumbnail_sha256 ? `${base}/thumbnail` : null,
    createdAt: toIso(row.created_at),
  };
}

/** Deletes each blob no media row (of any tenant) refers to any more. */
export async function releaseBlobs(ctx: MediaContext, keys: (string | null)[]): Promise<void> {
  for (const key of keys) {
    if (key !== null && !(await repo.blobInUse(ctx.db, key))) await ctx.storage.delete(key);
  }
}

function toReadable(body: NodeJS.ReadableStream | Buffer): Readable {
  if (Buffer.isBuffer(body)) return Readable.from([body]);
  if (body instanceof Readable) return body;
  return Readable.from(body as AsyncIterable<Buffer>);
}

/** A file name safe to show and to put in a Content-Disposition header. */
function cleanFilename(name: string | null | undefined): string | null {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  const clean = [...base]
    .filter((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f && c !== '"')
    .join('')
    .trim();
  return clean === '' ? null : [...clean].slice(0, MAX_FILENAME_LENGTH).join('');
}

/** A file written to the temporary area, checked and probed: what `commitMedia` makes a media item of. */
export interface StagedMedia {
  blob: StagedBlob;
  detected: Detected;
  probed: Probed;
  filename: string | null;
}

/**
 * Streams a file into the temporary area while its type is sniffed from its first bytes (415 when
 * unsupported or contradicting `declaredType`) and its size held to the type's limit (413), then reads
 * it back for its dimensions, duration and thumbnail. Nothing is stored under a key yet and no row
 * exists: `commitMedia` does that, `blob.discard()` removes it. Nothing stays when a step fails.
 */
export async function stageMedia(
  ctx: MediaContext,
  input: Omit<StoreMediaInput, 'brandId' | 'source'>,
): Promise<StagedMedia> {
  const field = input.field ?? 'file';
  const gate = new MediaGate(ctx.limits, input.declaredType, field);
  // Errors on either side reach storage.stage through the gate, which then removes what it wrote.
  pipeline(toReadable(input.body), gate, () => undefined);
  const blob = await ctx.storage.stage(gate);
  const detected = gate.detected!;
  try {
    const probed = await probe(blob.read, blob.size, detected, gate.head);
    return { blob, detected, probed, filename: cleanFilename(input.filename) };
  } catch (error) {
    await blob.discard().catch(() => undefined);
    if (!(error instanceof UnreadableMediaError)) throw error;
    throw new AppError(
      'UNSUPPORTED_MEDIA_TYPE',
      `${error.message}: the file is damaged or not really ${detected.mimeType}`,
      { field, detectedType: detected.mimeType },
    );
  }
}

/**
 * Makes a media item of a staged file: checks the brand (400 naming `brandId`), stores the bytes under
 * their key (identical bytes share one blob) with the thumbnail, and inserts the row. When any step
 * fails, the staged file and any blob only this item would have used are removed.
 */
export async function commitMedia(
  ctx: MediaContext,
  tenant: Tenant,
  staged: StagedMedia,
  options: { brandId: string | null; source: MediaSource },
): Promise<Media> {
  const { blob, detected, probed } = staged;
  try {
    if (options.brandId !== null) await requireBrand(ctx, tenant, options.brandId);
    await blob.commit();
  } catch (error) {
    await blob.discard().catch(() => undefined);
    throw error;
  }
  const now = ctx.clock.now();
  const row: MediaRow = {
    id: newId('media', now),
    organization_id: tenant.organizationId,
    environment: tenant.environment,
    brand_id: options.brandId,
    type: detected.type,
    mime_type: detected.mimeType,
    size: blob.size,
    sha256: blob.key,
    width: probed.width,
    height: probed.height,
    duration_seconds: probed.durationSeconds,
    filename: staged.filename,
    source: options.source,
    thumbnail_sha256: null,
    thumbnail_size: null,
    created_at: now,
  };
  try {
    if (probed.thumbnail) {
      const thumbnail = await ctx.storage.put(Readable.from([probed.thumbnail]));
      row.thumbnail_sha256 = thumbnail.key;
      row.thumbnail_size = thumbnail.size;
    }
    await repo.insertMedia(ctx.db, tenant, row);
  } catch (error) {
    await releaseBlobs(ctx, [row.sha256, row.thumbnail_sha256]).catch(() => undefined);
    throw error;
  }
  ctx.counts.invalidate(mediaResource(tenant));
  // A deletion of the last other item with the same bytes may have removed the blob between the commit
  // and the insert: then this item has no bytes, and the upload must be sent again.
  const missing = await Promise.all(
    [row.sha256, row.thumbnail_sha256].map(async (k) => k !== null && (await ctx.storage.stat(k)) === null),
  );
  if (missing.some(Boolean)) {
    await repo.deleteMedia(ctx.db, tenant, row.id);
    throw new AppError('SERVICE_UNAVAILABLE', 'The upload raced with a deletion; send it again', undefined, {
      'Retry-After': '1',
    });
  }
  return toMedia(ctx, row);
}

/**
 * Stores a file as a media item (`stageMedia`, then `commitMedia`). Nothing stays in storage when any
 * step fails. Used by URL imports and by generators (source `generated`).
 */
export async function storeMedia(ctx: MediaContext, tenant: Tenant, input: StoreMediaInput): Promise<Media> {
  const brandId = input.brandId ?? null;
  // Before reading the body: an unknown brand needs no upload.
  if (brandId !== null) await requireBrand(ctx, tenant, brandId);
  const staged = await stageMedia(ctx, input);
  return commitMedia(ctx, tenant, staged, { brandId, source: input.source });
}

export const findMediaRow = findByIdOr404(repo.findMedia, 'media item');

export async function getMedia(ctx: MediaContext, tenant: Tenant, id: string): Promise<Media> {
  return toMedia(ctx, await findMediaRow(ctx, tenant, id));
}

/** The tenant's rows for `ids`, in the order of `ids`; unknown ids are absent. */
export async function getMediaItems(ctx: ServiceContext, tenant: Tenant, ids: string[]): Promise<MediaRow[]> {
  const rows = await repo.findMediaMany(ctx.db, tenant, ids);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

export const listMedia = tenantList({
  query: repo.mediaQuery,
  sorts: { createdAt: BY_CREATED_AT },
  counted: mediaResource,
  show: (row, ctx: MediaContext) => toMedia(ctx, row),
});

/**
 * Deletes a media item; its bytes go when no other item (of any tenant) shares them. Refused (409,
 * naming the post) while a SCHEDULED or PUBLISHING post of the tenant uses it.
 */
export async function deleteMedia(
  ctx: MediaContext,
  tenant: Tenant,
  id: string,
): Promise<{ id: string; deleted: true }> {
  const row = await findMediaRow(ctx, tenant, id);
  await ctx.db.transaction().execute(async (trx) => {
    const post = await repo.pendingPostUsing(trx, tenant, id);
    if (post) {
      throw conflict(
        `The ${post.status} post ${post.id} uses this media item; remove it from the post or unschedule the post first`,
        { postId: post.id, status: post.status },
      );
    }
    if ((await repo.deleteMedia(trx, tenant, id)) === 0) throw notFound('media item', id);
  });
  ctx.counts.invalidate(mediaResource(tenant));
  await releaseBlobs(ctx, [row.sha256, row.thumbnail_sha256]);
  return { id, deleted: true };
}

/** An absolute URL of the item's content that works without an API key until `ttlMs` from now. */
export function signedContentUrl(ctx: MediaContext, id: string, ttlMs: number): string {
  const expires = Math.ceil((ctx.clock.now() + ttlMs) / 1000);
  const signature = signContent(ctx.signingKey, id, expires);
  return `${ctx.publicUrl}/api/v1/media/${id}/content?expires=${expires}&signature=${signature}`;
}

/** The row a signed link points at; 403 when the signature is wrong for this id or has expired. */
export async function findSignedMediaRow(
  ctx: MediaContext,
  id: string,
  expires: string,
  signature: string,
): Promise<MediaRow> {
  const now = ctx.clock.now();
  const previous = ctx.previousSigningKeys ?? [];
  try {
    verifyContentSignature(ctx.signingKey, id, expires, signature, now);
  } catch (error) {
    // A link signed before a key rotation: accepted when one of the previous keys signed it.
    const accepted = previous.some((key) => {
      try {
        verifyContentSignature(key, id, expires, signature, now);
        return true;
      } catch {
        return false;
      }
    });
    if (!accepted) throw error;
  }
  const row = await repo.findMediaById(ctx.db, id);
  if (!row) throw notFound('media item', id);
  return row;
}

/** The item's bytes (or a range of them), streamed from storage. */
export async function openContent(
  ctx: MediaContext,
  row: MediaRow,
  range?: ByteRange,
): Promise<{ stream: NodeJS.ReadableStream; size: number }> {
  const stream = await ctx.storage.get(row.sha256, range);
  return { stream, size: range ? range.end - range.start + 1 : row.size };
}
