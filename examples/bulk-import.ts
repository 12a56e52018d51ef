// Imports posts in bulk with a `posts.import` job: submits it, prints its progress until it ends, then
// lists the items that failed (by index) — one bad item does not stop the others.
//
//   AUDENCI_API_KEY=sk_test_… npx tsx examples/bulk-import.ts [posts.csv]
//
// With a CSV file (a header row naming the fields of POST /posts: brandId, platform, caption,
// scheduledFor, …) it imports that; without one, a few sample posts, one of them invalid on purpose.
import { readFileSync } from 'node:fs';
import { Audenci } from '@audenci/sdk-js';

const client = new Audenci();

const brandId =
  process.env.AUDENCI_BRAND_ID ?? (await client.brands.create({ name: 'Bulk import example' })).id;
console.log(`Importing into brand ${brandId}`);

const csvFile = process.argv[2];
const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString();
const payload = csvFile
  ? { brandId, csv: readFileSync(csvFile, 'utf8') }
  : {
      brandId,
      posts: [
        { platform: 'twitter', caption: 'Monday: new beans are in ☕', scheduledFor: inDays(1) },
        { platform: 'linkedin', caption: 'We are hiring baristas.', scheduledFor: inDays(2) },
        { platform: 'facebook', caption: 'Weekend brunch menu is live', status: 'DRAFT' },
        // Invalid on purpose: a scheduled post needs a future time.
        { platform: 'twitter', caption: 'Too late', scheduledFor: '2001-01-01T00:00:00Z' },
      ],
    };

const job = await client.jobs.create({ type: 'posts.import', payload });
console.log(`Submitted job ${job.id} (${job.status})`);

const final = await client.jobs.waitFor(job.id, {
  signal: AbortSignal.timeout(5 * 60_000),
  onProgress: (j) => {
    const { processed, total, succeeded, failed } = j.progress;
    console.log(`progress ${processed}/${total} (${succeeded} ok, ${failed} failed) — ${j.status}`);
  },
});
console.log(`Job ${final.id} ${final.status}: ${JSON.stringify(final.result)}`);

if (final.errorCount > 0) {
  console.log(`${final.errorCount} item(s) failed:`);
  for (const e of final.errors) {
    console.log(`  item ${e.index}: ${e.code}${e.field ? ` (${e.field})` : ''} ${e.message}`);
  }
}
if (final.status !== 'succeeded') process.exit(1);
