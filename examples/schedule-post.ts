// Schedules a post: a brand (AUDENCI_BRAND_ID, or a new one), a sandbox account when the key is a test
// key, a post scheduled for tomorrow 09:00 UTC, then reads it back.
//
//   AUDENCI_API_KEY=sk_test_… npx tsx examples/schedule-post.ts
import { Audenci } from '@audenci/sdk-js';

const client = new Audenci(); // reads AUDENCI_API_KEY and AUDENCI_BASE_URL
const testMode = (process.env.AUDENCI_API_KEY ?? '').startsWith('sk_test_');

let brandId = process.env.AUDENCI_BRAND_ID;
if (brandId) {
  console.log(`Using brand ${brandId}`);
} else {
  const brand = await client.brands.create({ name: 'Example Coffee', timezone: 'Europe/Paris' });
  brandId = brand.id;
  console.log(`Created brand ${brand.id} (${brand.name})`);
}

if (testMode) {
  // In the test environment a sandbox account stands in for a real network: no OAuth, publishing succeeds.
  const account = await client.socialAccounts.createSandbox({
    brandId,
    platform: 'twitter',
    name: 'Example Coffee (sandbox)',
  });
  console.log(`Created sandbox account ${account.id} on ${account.platform}`);
} else {
  console.log('Live key: the post goes out through the brand’s connected twitter account');
}

const tomorrow = new Date();
tomorrow.setUTCDate(tomorrow.getUTCDate() + 1);
tomorrow.setUTCHours(9, 0, 0, 0);
const created = await client.posts.create({
  brandId,
  platform: 'twitter',
  caption: 'Fresh roast, fresh start ☕ #coffee',
  scheduledFor: tomorrow.toISOString(),
});
console.log(`Created post ${created.id}: ${created.status} for ${created.scheduledFor}`);

const post = await client.posts.retrieve(created.id);
console.log(`Read back post ${post.id}: status ${post.status}, scheduled for ${post.scheduledFor}`);
if (post.status !== 'SCHEDULED') {
  console.error(`Expected SCHEDULED, got ${post.status}`);
  process.exit(1);
}
