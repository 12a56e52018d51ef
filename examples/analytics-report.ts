// Prints a day-by-day table of post metrics for the last 7 days (a brand's, with AUDENCI_BRAND_ID).
//
//   AUDENCI_API_KEY=sk_… npx tsx examples/analytics-report.ts [days]
import { Audenci } from '@audenci/sdk-js';

const client = new Audenci();

const days = Number(process.argv[2] ?? 7);
const timezone = process.env.AUDENCI_TIMEZONE ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
const brandId = process.env.AUDENCI_BRAND_ID;
// Calendar dates are read in `timezone`; the end is exclusive, so tomorrow includes today.
const date = (offsetDays: number) =>
  new Date(Date.now() + offsetDays * 86_400_000).toLocaleDateString('en-CA', { timeZone: timezone });
const startDate = date(1 - days);
const endDate = date(1);

const report = await client.analytics.retrieve({
  ...(brandId ? { brandId } : {}),
  groupBy: 'day',
  startDate,
  endDate,
  timezone,
});

console.log(
  `Analytics ${brandId ? `of brand ${brandId} ` : ''}from ${startDate} to ${endDate} (${timezone})`,
);
const rate = (r: number | null | undefined) => (r == null ? '—' : `${(r * 100).toFixed(2)} %`);
const header = ['day', 'posts', 'impressions', 'engagements', 'rate'];
const rows = report.rows.map((row) => [
  String(row.key),
  String(row.posts),
  String(row.impressions),
  String(row.engagements),
  rate(row.engagementRate),
]);
const t = report.totals;
rows.push(['total', String(t.posts), String(t.impressions), String(t.engagements), rate(t.engagementRate)]);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) =>
  cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const row of rows) console.log(line(row));
