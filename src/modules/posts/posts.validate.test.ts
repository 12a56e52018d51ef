import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  type Answer,
  type Tenant,
  type TestApp,
} from '../../../test/helpers/app.js';
import { createMediaItem } from '../../../test/helpers/media.js';
import { makeImage } from '../../../test/fixtures/media.js';

const UNKNOWN_MEDIA = 'med_01M8FHSW4FSXDVQCQJRMA72QE2';

/** What `validate` measures of the caption 'Fresh beans' on Instagram with `media` items attached. */
const instagramMeasurements = (media: number) => ({
  text: { length: 11, limit: 2200, counting: 'characters', includesLink: false },
  hashtags: { count: 0, limit: 5, includesFirstComment: true },
  mentions: { count: 0, limit: 20 },
  media: { count: media, limit: 10, required: true },
  firstComment: { length: 0, limit: 2200, supported: true },
});

for (const dialect of dialects) {
  describe(`POST /posts/validate checks the ids it names as POST /posts does (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let other: Tenant;
    /** Ids in the test environment of `tenant`. */
    const own = { brand: '', otherBrand: '', image: '', wideImage: '', campaign: '', account: '' };
    /** Ids that exist, but not for `tenant`'s test environment. */
    const foreign = { media: '', liveMedia: '', brand: '', liveBrand: '', campaign: '', account: '' };

    const post = async (key: string, path: string, body: unknown) => {
      const res = await call(t.app, 'POST', `/api/v1${path}`, { key, body });
      assert.equal(res.status, 201, `${path}: ${res.raw}`);
      return res.body.data.id as string;
    };

    before(async () => {
      t = await createTestApp(dialect);
      tenant = await createTenant(t);
      other = await createTenant(t, { name: 'Other org' });
      const testTenant = { organizationId: tenant.org.id, environment: 'test' as const };
      own.brand = await post(tenant.test.admin, '/brands', { name: 'Coffee' });
      own.otherBrand = await post(tenant.test.admin, '/brands', { name: 'Tea' });
      own.image = await createMediaItem(t, testTenant, await makeImage('png', 100, 100));
      own.wideImage = await createMediaItem(t, testTenant, await makeImage('png', 400, 100));
      own.campaign = await post(tenant.test.read_write, '/campaigns', {
        brandId: own.brand,
        name: 'Launch',
        startDate: '2030-01-01',
        endDate: '2030-02-01',
      });
      own.account = await post(tenant.test.read_write, '/social-accounts', {
        brandId: own.brand,
        platform: 'instagram',
        name: 'Coffee IG',
      });

      foreign.media = await createMediaItem(t, { organizationId: other.org.id, environment: 'test' });
      foreign.liveMedia = await createMediaItem(t, { organizationId: tenant.org.id, environment: 'live' });
      foreign.brand = await post(other.test.admin, '/brands', { name: 'Their brand' });
      foreign.liveBrand = await post(tenant.live.admin, '/brands', { name: 'Live brand' });
      foreign.campaign = await post(other.test.read_write, '/campaigns', {
        brandId: foreign.brand,
        name: 'Theirs',
        startDate: '2030-01-01',
        endDate: '2030-02-01',
      });
      foreign.account = await post(other.test.read_write, '/social-accounts', {
        brandId: foreign.brand,
        platform: 'instagram',
        name: 'Their IG',
      });
    });
    after(() => t.close());

    const validate = (body: Record<string, unknown>) =>
      call(t.app, 'POST', '/api/v1/posts/validate', { key: tenant.test.read_write, body });
    const create = (body: Record<string, unknown>) =>
      call(t.app, 'POST', '/api/v1/posts', { key: tenant.test.read_write, body });

    function assertRefused(res: Answer, field: string, reason: string, label: string): void {
      assert.equal(res.status, 400, `${label}: ${res.raw}`);
      const message = `${field}: ${reason.charAt(0).toLowerCase()}${reason.slice(1)}`;
      assert.deepEqual(
        res.body,
        {
          error: {
            code: 'INVALID_INPUT',
            message,
            details: { field, reason, errors: [{ field, reason }] },
          },
        },
        label,
      );
    }

    it("an Instagram draft needs media, and only the tenant's own media satisfies it", async () => {
      const bare = await validate({ platform: 'instagram', caption: 'Fresh beans' });
      assert.equal(bare.status, 200, bare.raw);
      assert.deepEqual(bare.body.data, {
        valid: false,
        platform: 'instagram',
        violations: [
          {
            rule: 'media.required',
            field: 'mediaIds',
            message: 'Instagram posts need at least one photo or video',
          },
        ],
        measurements: instagramMeasurements(0),
      });
      const ok = await validate({ platform: 'instagram', caption: 'Fresh beans', mediaIds: [own.image] });
      assert.equal(ok.status, 200, ok.raw);
      assert.deepEqual(ok.body.data, {
        valid: true,
        platform: 'instagram',
        violations: [],
        measurements: instagramMeasurements(1),
      });

      for (const [label, id] of [
        ['an unknown id', UNKNOWN_MEDIA],
        ["another organization's item", foreign.media],
        ["the live environment's item", foreign.liveMedia],
      ] as const) {
        const body = { platform: 'instagram', caption: 'Fresh beans', mediaIds: [own.image, id] };
        const validated = await validate(body);
        assertRefused(validated, 'mediaIds[1]', `No media item with id '${id}'`, label);
        // The very answer creation gives.
        const created = await create({ ...body, brandId: own.brand });
        assert.equal(created.status, 400, created.raw);
        assert.deepEqual(validated.body, created.body, `${label}: as POST /posts answers`);
      }
    });

    it('the media items count in the rules as when scheduling (an Instagram image too wide)', async () => {
      const res = await validate({ platform: 'instagram', caption: 'Panorama', mediaIds: [own.wideImage] });
      assert.equal(res.status, 200, res.raw);
      assert.equal(res.body.data.valid, false);
      assert.deepEqual(
        res.body.data.violations.map((v: { rule: string; field: string }) => [v.rule, v.field]),
        [['media.aspectRatio', 'mediaIds[0]']],
      );
    });

    it('brandId, campaignId and socialAccountId: unknown, foreign or mismatched ids are the 400 of POST /posts', async () => {
      const base = { platform: 'instagram', caption: 'Fresh beans', mediaIds: [own.image] };
      const cases: [string, Record<string, unknown>, string, string][] = [
        [
          'an unknown brand',
          { brandId: 'brand_01M8FHSW4FSXDVQCQJRMA72QE2' },
          'brandId',
          "No brand with id 'brand_01M8FHSW4FSXDVQCQJRMA72QE2'",
        ],
        [
          "another organization's brand",
          { brandId: foreign.brand },
          'brandId',
          `No brand with id '${foreign.brand}'`,
        ],
        [
          "the live environment's brand",
          { brandId: foreign.liveBrand },
          'brandId',
          `No brand with id '${foreign.liveBrand}'`,
        ],
        [
          "another organization's campaign",
          { brandId: own.brand, campaignId: foreign.campaign },
          'campaignId',
          `No campaign with id '${foreign.campaign}'`,
        ],
        [
          'a campaign of another brand',
          { brandId: own.otherBrand, campaignId: own.campaign },
          'campaignId',
          'The campaign belongs to another brand',
        ],
        [
          "another organization's account",
          { brandId: own.brand, socialAccountId: foreign.account },
          'socialAccountId',
          `No social account with id '${foreign.account}'`,
        ],
        [
          'an account of another platform',
          { brandId: own.brand, socialAccountId: own.account, platform: 'twitter' },
          'socialAccountId',
          'The social account is a instagram account, not twitter',
        ],
      ];
      for (const [label, fields, field, reason] of cases) {
        const validated = await validate({ ...base, ...fields });
        assertRefused(validated, field, reason, label);
        const created = await create({ ...base, ...fields });
        assert.deepEqual(validated.body, created.body, `${label}: as POST /posts answers`);
      }
      // Without a brandId the other references are still checked (no brand to match them against).
      assertRefused(
        await validate({ ...base, campaignId: foreign.campaign }),
        'campaignId',
        `No campaign with id '${foreign.campaign}'`,
        'a foreign campaign without a brand',
      );
      assertRefused(
        await validate({ ...base, socialAccountId: foreign.account }),
        'socialAccountId',
        `No social account with id '${foreign.account}'`,
        'a foreign account without a brand',
      );
      // The tenant's own ids pass.
      const valid = await validate({
        ...base,
        brandId: own.brand,
        campaignId: own.campaign,
        socialAccountId: own.account,
      });
      assert.equal(valid.status, 200, valid.raw);
      assert.deepEqual(valid.body.data, {
        valid: true,
        platform: 'instagram',
        violations: [],
        measurements: instagramMeasurements(1),
      });
      const noBrand = await validate({ ...base, campaignId: own.campaign, socialAccountId: own.account });
      assert.equal(noBrand.status, 200, noBrand.raw);
      assert.equal(noBrand.body.data.valid, true);
    });

    it('the other endpoints that take a brandId refuse a foreign one the same way', async () => {
      const reason = `No brand with id '${foreign.brand}'`;
      const endpoints: [string, Record<string, unknown>][] = [
        ['/captions/generate', { topic: 'coffee', platform: 'instagram', brandId: foreign.brand }],
        [
          '/plans/generate-preview',
          {
            brandId: foreign.brand,
            startDate: '2030-01-01',
            endDate: '2030-01-15',
            platforms: ['instagram'],
            postsPerWeek: 2,
          },
        ],
        ['/images/generate', { prompt: 'a cup of coffee', brandId: foreign.brand }],
        ['/campaigns', { brandId: foreign.brand, name: 'x', startDate: '2030-01-01', endDate: '2030-02-01' }],
        ['/social-accounts', { brandId: foreign.brand, platform: 'instagram', name: 'x' }],
        ['/social-accounts/connect', { brandId: foreign.brand, platform: 'instagram' }],
        ['/media', { url: 'https://example.com/a.png', brandId: foreign.brand }],
      ];
      for (const [path, body] of endpoints) {
        const res = await call(t.app, 'POST', `/api/v1${path}`, { key: tenant.test.read_write, body });
        assert.equal(res.status, 400, `${path}: ${res.raw}`);
        assert.equal(res.body.error.code, 'INVALID_INPUT', path);
        assert.equal(res.body.error.details.field, 'brandId', path);
        assert.equal(res.body.error.details.reason, reason, path);
      }
    });
  });

  describe(`POST /posts/validate measures the draft as the platform counts it (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let image = '';

    before(async () => {
      t = await createTestApp(dialect);
      tenant = await createTenant(t);
      image = await createMediaItem(
        t,
        { organizationId: tenant.org.id, environment: 'test' },
        await makeImage('png', 100, 100),
      );
    });
    after(() => t.close());

    const measure = async (body: Record<string, unknown>) => {
      const res = await call(t.app, 'POST', '/api/v1/posts/validate', { key: tenant.test.read_write, body });
      assert.equal(res.status, 200, res.raw);
      return res.body.data as {
        valid: boolean;
        violations: { rule: string; limit?: number; actual?: number }[];
        measurements: Record<string, Record<string, unknown>>;
      };
    };

    it("X weighs CJK and emoji as 2, a URL and the appended link as 23, as the rule's own count", async () => {
      // 140 CJK characters weigh 280: exactly the limit.
      const full = await measure({ platform: 'twitter', caption: '漢'.repeat(140) });
      assert.deepEqual(full.measurements.text, {
        length: 280,
        limit: 280,
        counting: 'twitter-weighted',
        includesLink: false,
      });
      assert.equal(full.valid, true);

      // One emoji of several code points (a family) weighs 2; a URL in the text 23.
      const caption = `${'漢'.repeat(110)} 👨‍👩‍👧 https://example.com/a/very/long/path/indeed #coffee #tea @barista`;
      const mixed = await measure({ platform: 'twitter', caption, link: 'https://audenci.test/x' });
      const expected = 220 + 1 + 2 + 1 + 23 + ' #coffee #tea @barista'.length + 1 + 23;
      assert.deepEqual(mixed.measurements.text, {
        length: expected,
        limit: 280,
        counting: 'twitter-weighted',
        includesLink: true,
      });
      assert.deepEqual(mixed.measurements.hashtags, { count: 2, limit: null, includesFirstComment: false });
      assert.deepEqual(mixed.measurements.mentions, { count: 1, limit: null });
      const rule = mixed.violations.find((v) => v.rule === 'text.maxLength');
      assert.deepEqual(
        rule && { limit: rule.limit, actual: rule.actual },
        { limit: 280, actual: expected },
        'the violation counts what the measurement counts',
      );
    });

    it('Instagram counts hashtags of the caption and the first comment together, and the media', async () => {
      const tags = (n: number, from = 0) =>
        Array.from({ length: n }, (_, i) => `#tag${String.fromCharCode(97 + from + i)}`).join(' ');
      const report = await measure({
        platform: 'instagram',
        caption: `Morning ${tags(4)}`,
        firstComment: tags(3, 4),
        mediaIds: [image],
      });
      assert.deepEqual(report.measurements.hashtags, { count: 7, limit: 5, includesFirstComment: true });
      assert.deepEqual(report.measurements.media, { count: 1, limit: 10, required: true });
      assert.deepEqual(report.measurements.firstComment, {
        length: tags(3, 4).length,
        limit: 2200,
        supported: true,
      });
      assert.deepEqual(
        report.violations.map((v) => [v.rule, v.limit, v.actual]),
        [['hashtags.max', 5, 7]],
      );
    });
  });
}
