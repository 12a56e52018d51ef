import type { Insertable, Selectable } from 'kysely';
import type { TenantRow, Timestamps } from './common-columns.js';

export interface BrandsTable extends TenantRow, Timestamps {
  name: string;
  /** IANA time zone, e.g. `Europe/Paris`: where "9 am" is for this brand's schedule. */
  timezone: string;
  /** Brand voice guidance for AI generation. */
  voice: string | null;
  /** JSON array of `#rrggbb` strings. */
  colors: string;
}

export type BrandRow = Selectable<BrandsTable>;
export type NewBrandRow = Insertable<BrandsTable>;
