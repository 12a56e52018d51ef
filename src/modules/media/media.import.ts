import { AppError, invalidInput, type FieldProblem } from '../../shared/errors.js';
import { OutboundError, safeStream } from '../../shared/safe-fetch.js';
import { assertPublicUrl, assertUrlForm, UnsafeUrlError } from '../../shared/ssrf.js';
import type { Tenant } from '../../shared/tenant.js';
import { requireBrand } from '../brands/index.js';
import { storeMedia, type Media, type MediaContext } from './media.service.js';

/** The whole download, redirects included. */
export const IMPORT_TIMEOUT_MS = 120_000;

function urlProblem(reason: string) {
  return invalidInput([{ field: 'url', reason }]);
}

/**
 * The problems of an import body the body alone shows: a URL refused by its form (scheme, credentials,
 * length) or by a literal private address. Whether its host resolves to public addresses, and the
 * `brandId`, are checked when the import runs.
 */
export function importInputProblems(input: Record<string, unknown>, allowPrivate: boolean): FieldProblem[] {
  if (typeof input.url !== 'string') return [];
  try {
    assertUrlForm(input.url, { allowPrivate });
    return [];
  } catch (error) {
    if (!(error instanceof UnsafeUrlError)) throw error;
    return [{ field: 'url', reason: `The ${error.message}` }];
  }
}

function filenameOf(url: string): string | null {
  try {
    const last = new URL(url).pathname.split('/').pop() ?? '';
    return last === '' ? null : decodeURIComponent(last);
  } catch {
    return null;
  }
}

/**
 * `POST /media {url}`: downloads the file through the SSRF guard (a private, loopback or link-local
 * address is 400 naming `url` unless AUDENCI_ALLOW_PRIVATE_URLS=true, checked again at connect time and
 * on every redirect) and stores it as `storeMedia` does. The server's Content-Type is not trusted
 * either way: the type comes from the bytes.
 */
export async function importMedia(
  ctx: MediaContext,
  tenant: Tenant,
  input: { url: string; brandId?: string | null },
): Promise<Media> {
  if (input.brandId) await requireBrand(ctx, tenant, input.brandId);
  const guard = { allowPrivate: ctx.allowPrivateUrls };
  let response;
  try {
    await assertPublicUrl(input.url, guard);
    response = await safeStream(
      input.url,
      { method: 'GET', headers: { accept: 'image/*, video/*' } },
      {
        ...guard,
        timeoutMs: IMPORT_TIMEOUT_MS,
        followRedirects: true,
        maxResponseBytes: Math.max(ctx.limits.maxImageBytes, ctx.limits.maxVideoBytes),
      },
    );
  } catch (error) {
    if (error instanceof UnsafeUrlError) throw urlProblem(`The ${error.message}`);
    if (error instanceof OutboundError && error.code !== 'too_large') {
      throw urlProblem(`The file could not be downloaded: ${error.message}`);
    }
    if (error instanceof OutboundError) throw tooLarge(ctx);
    throw error;
  }
  if (response.status < 200 || response.status > 299) {
    response.body.destroy();
    throw urlProblem(`The URL answered HTTP ${response.status}`);
  }
  try {
    return await storeMedia(ctx, tenant, {
      body: response.body,
      filename: filenameOf(response.url),
      brandId: input.brandId ?? null,
      source: 'url',
      field: 'url',
    });
  } catch (error) {
    if (error instanceof OutboundError && error.code === 'too_large') throw tooLarge(ctx);
    if (error instanceof OutboundError) throw urlProblem(`The download failed: ${error.message}`);
    throw error;
  } finally {
    response.body.destroy();
  }
}

function tooLarge(ctx: MediaContext) {
  const limit = Math.max(ctx.limits.maxImageBytes, ctx.limits.maxVideoBytes);
  return new AppError('PAYLOAD_TOO_LARGE', `The file at the URL is larger than ${limit} bytes`, {
    field: 'url',
    limitBytes: limit,
  });
}
