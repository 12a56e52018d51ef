import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { AppError, invalidInput, type FieldProblem } from '../../shared/errors.js';
import type { Tenant } from '../../shared/tenant.js';
import { findAccountRow } from '../accounts/index.js';
import { getBrand } from '../brands/index.js';
import { findCampaignRow } from '../campaigns/index.js';
import type { ServiceContext } from '../context.js';

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

  /** Throws the 400 of `POST /posts` when a reference is unknown (to this tenant) or mismatched. */
  async check(
    db: Kysely<Database>,
    brandId: string,
    campaignId: string | null,
    account: { platform: string; socialAccountId: string | null },
  ): Promise<void> {
    const ctx = db === this.ctx.db ? this.ctx : { ...this.ctx, db };
    const tenant = this.tenant;
    const problems: FieldProblem[] = [];
    const brand = await this.cached(this.brands, brandId, async () =>
      Boolean(await found(getBrand(ctx, tenant, brandId))),
    );
    if (!brand) problems.push({ field: 'brandId', reason: `No brand with id '${brandId}'` });
    if (campaignId !== null) {
      const campaign = await this.cached(this.campaigns, campaignId, async () => {
        const row = await found(findCampaignRow(ctx, tenant, campaignId));
        return row && { brandId: row.brand_id };
      });
      if (!campaign) problems.push({ field: 'campaignId', reason: `No campaign with id '${campaignId}'` });
      else if (campaign.brandId !== brandId)
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
        : row.brandId !== brandId
          ? 'The social account belongs to another brand'
          : row.platform !== account.platform
            ? `The social account is a ${row.platform} account, not ${account.platform}`
            : undefined;
      if (reason) problems.push({ field: 'socialAccountId', reason });
    }
    if (problems.length) throw invalidInput(problems);
  }
}
