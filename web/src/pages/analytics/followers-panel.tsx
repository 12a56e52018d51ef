import { useQueries, useQuery } from '@tanstack/react-query';
import type { SocialAccount, SocialAccountListParams } from '@audenci/sdk-js';
import { client } from '../../api/client';
import { listAll } from '../../api/lists';
import { toProblem } from '../../api/problem';
import { ErrorState, Loading, QueryView } from '../../components/states';
import { ChartPanel } from './analytics-shared';
import { shiftDate } from '../../components/zoned-time';
import { periodLabel } from './range';

/** Most accounts drawn at once (one line each); the brand and platform filters narrow them. */
const MAX_ACCOUNTS = 8;

function FollowersChart({ accounts, from, to }: { accounts: SocialAccount[]; from: string; to: string }) {
  const shown = accounts.slice(0, MAX_ACCOUNTS);
  const days = useQueries({
    queries: shown.map((account) => ({
      queryKey: ['analytics', 'followers', account.id, from, to],
      queryFn: () =>
        client.socialAccounts.analytics(account.id, { startDate: from, endDate: shiftDate(to, 1) }),
    })),
  });
  const failed = days.find((q) => q.isError);
  if (failed) return <ErrorState problem={toProblem(failed.error)} onRetry={() => void failed.refetch()} />;
  if (!days.every((q) => q.data)) return <Loading label="Loading followers…" />;
  const answers = days.map((q) => q.data!);
  const dates = [...new Set(answers.flatMap((a) => a.days.map((d) => d.date)))].sort();
  const categories = dates.map((d) => periodLabel(d, 'day'));
  const series = shown.map((account, i) => {
    const byDate = new Map(answers[i]!.days.map((d) => [d.date, d.followers]));
    return { name: account.name, data: dates.map((d) => byDate.get(d) ?? null) };
  });
  const more =
    accounts.length > shown.length
      ? ` The first ${shown.length} of ${accounts.length} accounts are drawn.`
      : '';
  return (
    <ChartPanel
      kind="line"
      title="Followers by day"
      summary={`Followers of ${shown.length} account${shown.length === 1 ? '' : 's'}, one figure per day the platform was read.${more}`}
      categoryLabel="Day"
      categories={categories}
      series={series}
      empty="No follower counts in this range yet: they are read from each platform once a day."
    />
  );
}

/** Followers over time of the connected accounts the filters select (a brand's, a platform's). */
export function FollowersPanel({
  brandId,
  platform,
  from,
  to,
}: {
  brandId?: string;
  platform?: string;
  from: string;
  to: string;
}) {
  const params: SocialAccountListParams = {
    limit: 100,
    ...(brandId ? { brandId } : {}),
    ...(platform ? { platform: platform as SocialAccountListParams['platform'] } : {}),
  };
  const accounts = useQuery({
    queryKey: ['social-accounts', 'analytics', params],
    queryFn: () => listAll(client.socialAccounts.list(params)),
  });
  return (
    <QueryView query={accounts} loading="Loading accounts…">
      {({ items }) =>
        items.length === 0 ? (
          <section className="panel" aria-label="Followers by day">
            <h2 className="chart__title">Followers by day</h2>
            <p className="muted">No connected account matches these filters.</p>
          </section>
        ) : (
          <FollowersChart accounts={items} from={from} to={to} />
        )
      }
    </QueryView>
  );
}
