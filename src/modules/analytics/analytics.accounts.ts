import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Id, Int32, Nullable } from '../../shared/validation/schemas.js';
import { PLATFORM_LIMITS } from '../../platforms/bounds.js';
import type { Platform } from '../../platforms/platforms.js';
import { toIso } from '../../shared/clock.js';
import { readDateField } from '../../shared/dates.js';
import { AppError, invalidInput, type FieldProblem } from '../../shared/errors.js';
import { scoped } from '../../db/tenant.js';
import type { Tenant } from '../../shared/tenant.js';
import { getAccount } from '../accounts/index.js';
import type { ServiceContext } from '../context.js';
import { PlatformName } from '../platform-catalog/index.js';
import { DateInput, PlatformFigure } from './analytics.schemas.js';

/**
 * `GET /social-accounts/{id}/analytics`: one account's audience by UTC day, read from `account_stats`
 * (one row per account per UTC day, written by the worker's `accountStatsTask`).
 *
 * - The range is [`startDate`, `endDate`) on `captured_at`, parsed as `GET /analytics` parses it: a
 *   calendar date is midnight UTC (accounts have no time zone; their rows are UTC days), or an ISO 8601
 *   date-time with a zone. Without a range, the last 90 UTC days, today included: `endDate` defaults to
 *   the next UTC midnight (or 90 days after a `startDate` at or past it), `startDate` to 90 days before
 *   `endDate`. A range touching more than 1,000 UTC days is a 400 on `endDate`.
 * - `followersChange` is the difference from the previous day of the answer (null for the first): a day
 *   the worker could not fetch is missing, and the next day's change then covers both.
 * - The account is looked up in the caller's organization and environment first (404 otherwise), and
 *   the rows are read with the same tenant, so a row of another tenant never shows.
 */

const DAY_MS = 86_400_000;
/** The default range, in UTC days (today included). */
export const ACCOUNT_ANALYTICS_DEFAULT_DAYS = 90;
/** Most UTC days a range may touch (about 2.7 years, as `GET /analytics`' 1,000 periods). */
export const ACCOUNT_ANALYTICS_MAX_DAYS = 1000;

export const AccountAnalyticsQuerySchema = Type.Object(
  {
    startDate: Type.Optional(
      DateInput(
        'Days captured on or after this (inclusive); a calendar date is midnight UTC. Default: 90 days ' +
          'before `endDate`',
      ),
    ),
    endDate: Type.Optional(
      DateInput(
        'Days captured before this (exclusive); a calendar date is midnight UTC. Default: the next UTC ' +
          `midnight, so that the answer ends with today. At most ${ACCOUNT_ANALYTICS_MAX_DAYS.toLocaleString('en-US')} ` +
          'UTC days after `startDate`',
      ),
    ),
  },
  { additionalProperties: false },
);

export type AccountAnalyticsQuery = Static<typeof AccountAnalyticsQuerySchema>;

const Figure = (description: string) => Nullable(PlatformFigure(), { description });

export const AccountStatsDaySchema = Type.Object(
  {
    date: Type.String({
      format: 'date',
      maxLength: 10,
      description: 'The UTC day of `capturedAt` (YYYY-MM-DD); one entry per day at most',
      examples: ['2026-06-01'],
    }),
    capturedAt: DateTime({ description: 'When the worker read the figures from the platform' }),
    followers: PlatformFigure({ description: 'Followers at `capturedAt`' }),
    following: Figure('Accounts this one follows; null where the platform does not say'),
    posts: Figure("The account's post count on the platform; null where the platform does not say"),
    followersChange: Nullable(Int32(-PLATFORM_LIMITS.metric, PLATFORM_LIMITS.metric), {
      description:
        '`followers` minus the followers of the previous day of this answer (negative for a loss); null ' +
        'for the first day. When a day is missing (the platform could not be reached), the change covers ' +
        'every day since the previous entry.',
    }),
  },
  {
    $id: 'AccountStatsDay',
    title: 'AccountStatsDay',
    additionalProperties: false,
    description: "A social account's audience on one UTC day, as its platform reported it at `capturedAt`.",
  },
);

export const SocialAccountAnalyticsSchema = Type.Object(
  {
    socialAccountId: Id('acct_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'),
    platform: PlatformName,
    brandId: Id('brand_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'),
    startDate: DateTime({ description: 'The range applied (inclusive)' }),
    endDate: DateTime({ description: 'The range applied (exclusive)' }),
    days: Type.Array(Type.Ref(AccountStatsDaySchema), {
      maxItems: ACCOUNT_ANALYTICS_MAX_DAYS,
      description: `Oldest first; at most one per UTC day, so at most ${ACCOUNT_ANALYTICS_MAX_DAYS.toLocaleString('en-US')}.`,
    }),
  },
  { $id: 'SocialAccountAnalytics', title: 'SocialAccountAnalytics', additionalProperties: false },
);

export type AccountStatsDay = Static<typeof AccountStatsDaySchema>;
export type SocialAccountAnalytics = Static<typeof SocialAccountAnalyticsSchema>;

/** UTC days that [start, end) touches, the partial first and last ones included. */
function utcDaysTouched(start: number, end: number): number {
  return Math.floor((end - 1) / DAY_MS) - Math.floor(start / DAY_MS) + 1;
}

/**
 * The range's problems, for the route's input check: those `parseAccountAnalyticsRange` finds in the
 * fields that are text (the others are the schema's).
 */
export function accountAnalyticsProblems(input: Record<string, unknown>, now: number): FieldProblem[] {
  const text = (field: string) => (typeof input[field] === 'string' ? (input[field] as string) : undefined);
  try {
    parseAccountAnalyticsRange({ startDate: text('startDate'), endDate: text('endDate') }, now);
    return [];
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return (error.details?.errors ?? []) as FieldProblem[];
  }
}

/** Checks and resolves the range (epoch ms); every problem names its field (400 INVALID_INPUT). */
export function parseAccountAnalyticsRange(
  input: AccountAnalyticsQuery,
  now: number,
): { start: number; end: number } {
  const problems: FieldProblem[] = [];
  const date = (field: 'startDate' | 'endDate') => readDateField(input, field, problems);
  const startInput = date('startDate');
  const endInput = date('endDate');
  if (problems.length) throw invalidInput(problems, undefined, { location: 'query' });

  const defaultSpan = ACCOUNT_ANALYTICS_DEFAULT_DAYS * DAY_MS;
  const tomorrow = Math.floor(now / DAY_MS) * DAY_MS + DAY_MS;
  const end =
    endInput ?? (startInput !== undefined && startInput >= tomorrow ? startInput + defaultSpan : tomorrow);
  const start = startInput ?? end - defaultSpan;
  if (end <= start) {
    problems.push({ field: 'endDate', reason: 'Must be after startDate' });
  } else if (utcDaysTouched(start, end) > ACCOUNT_ANALYTICS_MAX_DAYS) {
    problems.push({
      field: 'endDate',
      reason: `The range spans more than ${ACCOUNT_ANALYTICS_MAX_DAYS} UTC days; narrow it`,
    });
  }
  if (problems.length) throw invalidInput(problems, undefined, { location: 'query' });
  return { start, end };
}

/**
 * The daily audience of one social account of the tenant over a range, oldest first (404 for an
 * account of another organization or environment, or an unknown one).
 */
export async function socialAccountAnalytics(
  ctx: ServiceContext,
  tenant: Tenant,
  accountId: string,
  input: AccountAnalyticsQuery,
): Promise<SocialAccountAnalytics> {
  const { start, end } = parseAccountAnalyticsRange(input, ctx.clock.now());
  const account = await getAccount(ctx, tenant, accountId);
  // The index account_stats_tenant_account_captured (tenant, social_account_id, captured_at) fits.
  const rows = await scoped(ctx.db, tenant)
    .selectFrom('account_stats')
    .select(['id', 'captured_at', 'followers', 'following', 'posts'])
    .where('social_account_id', '=', account.id)
    .where('captured_at', '>=', start)
    .where('captured_at', '<', end)
    .orderBy('captured_at')
    .orderBy('id')
    .execute();
  let previous: number | null = null;
  const days = rows.map((row): AccountStatsDay => {
    const capturedAt = toIso(Number(row.captured_at));
    const day: AccountStatsDay = {
      date: capturedAt.slice(0, 10),
      capturedAt,
      followers: row.followers,
      following: row.following,
      posts: row.posts,
      followersChange: previous === null ? null : row.followers - previous,
    };
    previous = row.followers;
    return day;
  });
  return {
    socialAccountId: account.id,
    // An account's platform is one of PLATFORMS (its body's enum).
    platform: account.platform as Platform,
    brandId: account.brandId,
    startDate: toIso(start),
    endDate: toIso(end),
    days,
  };
}
