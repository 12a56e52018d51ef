import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { PLATFORMS } from '../../../platforms/platforms.js';
import { rulesFor } from '../../../platforms/rules.js';
import { extractHashtags, textLength } from '../../../platforms/text.js';
import { validateDraft } from '../../../platforms/validation.js';
import { TONES } from '../../tones.js';
import type { CaptionRequest } from '../../types.js';
import { createBuiltinProvider } from './index.js';

const provider = createBuiltinProvider();

const TOPICS = [
  'Spring launch of our new cold brew',
  'Café crème à Paris: les meilleures adresses du quartier latin',
  '東京のおすすめカフェ 新しい抹茶ラテ',
  'Why #remote teams @everyone love async standups 🚀🚀',
  'Sustainable packaging, reusable cups and the circular economy '.repeat(12),
  'a',
];

/** The draft as a post: media attached where the platform requires it, so only text rules can fail. */
function violations(platform: string, caption: string) {
  const media = rulesFor(platform)!.media.required ? [{ id: 'med_1', type: 'image' as const }] : [];
  return validateDraft({ platform, caption, mediaIds: media.map((m) => m.id), media });
}

describe('builtin captions', () => {
  it('every platform × tone × topic gives n drafts that pass validateDraft, hashtags matching the text', async () => {
    for (const platform of PLATFORMS) {
      for (const tone of TONES) {
        for (const topic of TOPICS) {
          const drafts = await provider.generateCaptions({ topic, platform, tone, n: 3 });
          assert.equal(drafts.length, 3);
          for (const d of drafts) {
            const where = `${platform}/${tone}/${topic.slice(0, 20)}: ${d.caption}`;
            assert.deepEqual(violations(platform, d.caption), [], where);
            assert.deepEqual(extractHashtags(d.caption), d.hashtags, where);
            assert.ok(!/[@＠]/.test(d.caption), `no mentions injected: ${where}`);
          }
          assert.equal(new Set(drafts.map((d) => d.caption)).size, 3, `drafts differ on ${platform}/${tone}`);
        }
      }
    }
  });

  it('follows platform conventions: X short, LinkedIn paragraphs, Instagram hashtag block within the limit', async () => {
    const req = { topic: 'Healthy breakfast ideas for busy mornings', tone: 'friendly', n: 1 };
    const [x] = await provider.generateCaptions({ ...req, platform: 'twitter' });
    const [li] = await provider.generateCaptions({ ...req, platform: 'linkedin' });
    const [ig] = await provider.generateCaptions({ ...req, platform: 'instagram' });
    assert.ok(textLength(rulesFor('twitter')!, x!.caption) <= 140, x!.caption);
    assert.ok(li!.caption.split('\n\n').length >= 3 && li!.caption.length > x!.caption.length, li!.caption);
    assert.ok(ig!.hashtags.length >= 3 && ig!.hashtags.length <= rulesFor('instagram')!.hashtags.max!);
    assert.match(ig!.caption, /\n\n#\S+( #\S+)*$/u, 'Instagram ends with a hashtag block');
    assert.deepEqual(
      ig!.hashtags.slice(0, 4),
      ['healthy', 'breakfast', 'ideas', 'busy'],
      'stop words removed',
    );
  });

  it('is deterministic for the same request and varies with the seed', async () => {
    const req: CaptionRequest = {
      topic: 'Our autumn collection',
      platform: 'instagram',
      tone: 'playful',
      n: 3,
      brand: { name: 'Acme Coffee', voice: 'warm' },
      pillar: 'behind the scenes',
      goal: 'engagement',
    };
    const first = await provider.generateCaptions(req);
    assert.deepEqual(await provider.generateCaptions({ ...req }), first);
    assert.notDeepEqual(await provider.generateCaptions({ ...req, seed: 'other' }), first);
    assert.match(first.map((d) => d.caption).join('\n'), /Acme Coffee|behind the scenes/);
  });

  it('takes the tone from the brand voice when none is given', async () => {
    const base = { topic: 'Product news', platform: 'facebook', n: 1 };
    const bold = await provider.generateCaptions({
      ...base,
      brand: { name: 'B', voice: 'Bold and fearless' },
    });
    const explicit = await provider.generateCaptions({
      ...base,
      tone: 'bold',
      brand: { name: 'B', voice: null },
    });
    assert.deepEqual(bold, explicit);
  });
});

describe('builtin images', () => {
  it('renders real PNG and JPEG files of the requested size, deterministically', async () => {
    const req = {
      prompt: 'Summer sale — 20 % off <everything> & more',
      width: 400,
      height: 500,
      n: 2,
      brand: { name: 'Acme', colors: ['#ff6600', '#222222'] },
    };
    const images = await provider.generateImages(req);
    assert.equal(images.length, 2);
    for (const image of images) {
      const meta = await sharp(image.bytes).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ['png', 400, 500]);
      assert.equal(image.mimeType, 'image/png');
    }
    assert.notDeepEqual(images[0]!.bytes, images[1]!.bytes, 'variants differ');
    assert.deepEqual((await provider.generateImages(req))[0]!.bytes, images[0]!.bytes);
    const [jpeg] = await provider.generateImages({ ...req, n: 1, width: 191, height: 100, format: 'jpeg' });
    const meta = await sharp(jpeg!.bytes).metadata();
    assert.deepEqual(
      [meta.format, meta.width, meta.height, jpeg!.mimeType],
      ['jpeg', 191, 100, 'image/jpeg'],
    );
  });
});
