import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { AppError, invalidInput, type FieldProblem } from '../../shared/errors.js';
import type { Tenant } from '../../shared/tenant.js';
import { findAccountRow } from '../accounts/index.js';
import { getBrand } from '../brands/index.js';
import { findCampaignRow } from '../campaigns/index.js';
import type { ServiceContext } from '../context.js';
import { getMediaItems, type MediaType } from '../media/index.js';

/** A media item as the platform rules see it. */
export interface MediaDetail {
  id: string;
  type: MediaType;
  width?: number;
  height?: number;
  durationSeconds?: number;
}

interface CampaignRef {
  brandId: string;
}
interface AccountRef {
  brandId: string;
  platform: string;
}

/** A lookup's answer, with NOT_FOUND as undefined (other errors propagate). */
async function found<T>(lookup: Promise<T>): Promise<T | undefined> {
  try {
    return await lookup;
  } catch (error) {
    if (error instanceof AppError && error.code === 'NOT_FOUND') return undefined;
    throw error;
  }
}

/**
 * The brands, campaigns and social accounts a post refers to, looked up once per id: a batch or a job
 * chunk of many posts of the same brand costs one lookup per distinct reference, not one per post.
 * Lookups go through `db` (the caller's transaction: on SQLite the only connection is held by it).
 * Other modules are reached through their index, with a context whose `db` is that transaction.
 */
export class References {
  private readonly brands = new Map<string, Promise<boolean>>();
  private readonly campaigns = new Map<string, Promise<CampaignRef | undefined>>();
  private readonly accounts = new Map<string, Promise<AccountRef | undefined>>();
  private readonly mediaItems = new Map<string, Promise<MediaDetail | undefined>>();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly tenant: Tenant,
  ) {}

  private cached<T>(map: Map<string, Promise<T>>, id: string, load: () => Promise<T>): Promise<T> {
    let value = map.get(id);
    if (!value) {
      value = load();
      map.set(id, value);
    }
    return value;
  }

  /**
   * The details of `mediaIds`, in order, for the platform rules. An id that is not a media item of this
   * tenant is 400 naming `mediaIds[i]`.
   */
  async media(db: Kysely<Database>, mediaIds: readonly string[]): Promise<MediaDetail[]> {
    const ctx = db === this.ctx.db ? this.ctx : { ...this.ctx, db };
    const details = await Promise.all(
      mediaIds.map((id) =>
        this.cached(this.mediaItems, id, async () => {
          const [row] = await getMediaItems(ctx, this.tenant, [id]);
          if (!row) return undefined;
          const detail: MediaDetail = { id, type: row.type };
          if (row.width !== null) detail.width = row.width;
          if (row.height !== null) detail.height = row.height;
          if (row.duration_seconds !== null) detail.durationSeconds = row.duration_seconds;
          return detail;
        }),
      ),
    );
    const problems: FieldProblem[] = mediaIds.flatMap((id, i) =>
      details[i] ? [] : [{ field: `mediaIds[${i}]`, reason: `No media item with id '${id}'` }],
    );
    if (problems.length) throw invalidInput(problems);
    return details as MediaDetail[];
  }

  /**
   * Throws the 400 of `POST /posts` when a reference is unknown (to this tenant) or mismatched. A null
   * `brandId` (`POST /posts/validate` without one) checks the other references without brand matching.
   */
  async check(
    db: Kysely<Database>,
    brandId: string | null,
    campaignId: string | null,
    account: { platform: string; socialAccountId: string | null },
  ): Promise<void> {
    const ctx = db === this.ctx.db ? this.ctx : { ...this.ctx, db };
    const tenant = this.tenant;
    const problems: FieldProblem[] = [];
    if (brandId !== null) {
      const brand = await this.cached(this.brands, brandId, async () =>
        Boolean(await found(getBrand(ctx, tenant, brandId))),
      );
      if (!brand) problems.push({ field: 'brandId', reason: `No brand with id '${brandId}'` });
    }
    if (campaignId !== null) {
      const campaign = await this.cached(this.campaigns, campaignId, async () => {
        const row = await found(findCampaignRow(ctx, tenant, campaignId));
        return row && { brandId: row.brand_id };
      });
      if (!campaign) problems.push({ field: 'campaignId', reason: `No campaign with id '${campaignId}'` });
      else if (brandId !== null && campaign.brandId !== brandId)
        problems.push({ field: 'campaignId', reason: 'The campaign belongs to another brand' });
    }
    const accountId = account.socialAccountId;
    if (accountId !== null) {
      const row = await this.cached(this.accounts, accountId, async () => {
        const found_ = await found(findAccountRow(ctx, tenant, accountId));
        return found_ && { brandId: found_.brand_id, platform: found_.platform };
      });
      const reason = !row
        ? `No social account with id '${accountId}'`
        : brandId !== null && row.brandId !== brandId
          ? 'The social account belongs to another brand'
          : row.platform !== account.platform
            ? `The social account is a ${row.platform} account, not ${account.platform}`
            : undefined;
      if (reason) problems.push({ field: 'socialAccountId', reason });
    }
    if (problems.length) throw invalidInput(problems);
  }
}
