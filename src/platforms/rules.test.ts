import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MediaType } from './media.js';
import { PLATFORMS } from './platforms.js';
import { PLATFORM_RULES, listPlatformRules, rulesFor } from './rules.js';
import { extractHashtags, extractMentions } from './text.js';
import { TWITTER_TEXT_CONFIG, twitterWeightedLength } from './twitter/twitter.text.js';
import { findUrls } from './urls.js';
import { validateAgainst, validateDraft, type PostDraft, type RuleViolation } from './validation.js';

type Item = NonNullable<PostDraft['media']>[number];

function items(type: MediaType, n: number, extra: Partial<Item> = {}): Item[] {
  return Array.from({ length: n }, (_, i) => ({ id: `med_${type}${i}`, type, ...extra }));
}

/** A draft with `media` details and the matching `mediaIds`. */
function draft(platform: string, fields: Partial<Omit<PostDraft, 'platform'>> = {}): PostDraft {
  const media = 'media' in fields ? fields.media : items('image', 1);
  const mediaIds = fields.mediaIds ?? (media ?? []).map((m) => m.id);
  return { caption: 'Hello', ...fields, platform, media, mediaIds };
}

const rulesOf = (violations: RuleViolation[]) => violations.map((v) => v.rule);
const tags = (n: number, prefix = 'tag') => Array.from({ length: n }, (_, i) => `#${prefix}${i}`).join(' ');
const mentions = (n: number) => Array.from({ length: n }, (_, i) => `@user${i}`).join(' ');
const FAMILY = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}';

describe('twitterWeightedLength (twitter-text v3)', () => {
  it('counts 280 ASCII characters as 280 and 281 as 281', () => {
    assert.equal(twitterWeightedLength('a'.repeat(280)), 280);
    assert.equal(twitterWeightedLength('a'.repeat(281)), 281);
    assert.equal(twitterWeightedLength(''), 0);
  });

  it('counts CJK characters 2 each: 140 of them fill a post', () => {
    assert.equal(twitterWeightedLength('の'.repeat(140)), 280);
    assert.equal(twitterWeightedLength('故人西辞黄鹤楼'.repeat(20) + '故人'), 284);
    assert.equal(twitterWeightedLength('저찀쯿쿿'), 8);
  });

  it('counts any emoji 2, however many code points it has', () => {
    assert.equal(twitterWeightedLength('😷'), 2);
    assert.equal(twitterWeightedLength(FAMILY), 2, 'family: 4 emoji joined by 3 ZWJ');
    assert.equal(twitterWeightedLength('🇫🇷'), 2, 'flag: two regional indicators');
    assert.equal(twitterWeightedLength('1️⃣'), 2, 'keycap');
    assert.equal(twitterWeightedLength('1\u20E3'), 2, 'keycap without the variation selector');
    assert.equal(twitterWeightedLength('👍🏽'), 2, 'skin tone');
    assert.equal(twitterWeightedLength('🏴󠁧󠁢󠁥󠁮󠁧󠁿'), 2, 'tag sequence (England)');
    assert.equal(twitterWeightedLength('❤️‍🔥'), 2, 'ZWJ sequence with a variation selector');
    assert.equal(twitterWeightedLength('🫠'), 2, 'an emoji newer than twemoji-parser');
    assert.equal(twitterWeightedLength('🙋🏽👨‍🎤'), 4);
    assert.equal(twitterWeightedLength(FAMILY.repeat(140)), 280);
    assert.equal(twitterWeightedLength('H🐱☺' + FAMILY), 7);
  });

  it('weighs a lone © by its range (1) but the © emoji (with U+FE0F) 2', () => {
    assert.equal(twitterWeightedLength('©'), 1);
    assert.equal(twitterWeightedLength('©️'), 2);
  });

  it('counts Latin with accents 1 each, NFC or NFD alike', () => {
    assert.equal(twitterWeightedLength('éàüñøß'), 6);
    const nfc = 'Crème brûlée café'.normalize('NFC');
    const nfd = nfc.normalize('NFD');
    assert.notEqual(nfc.length, nfd.length);
    assert.equal(twitterWeightedLength(nfd), twitterWeightedLength(nfc));
    assert.equal(twitterWeightedLength(nfc), 17);
  });

  it('weighs general punctuation by the v3 ranges', () => {
    assert.equal(twitterWeightedLength('\u2014'), 1, 'em dash, U+2010–U+201F');
    assert.equal(twitterWeightedLength('\u2032'), 1, 'prime, U+2032–U+2037');
    assert.equal(twitterWeightedLength('\u2026'), 2, 'ellipsis falls between the ranges');
    assert.equal(twitterWeightedLength('\u200D'), 1, 'a lone ZWJ');
  });

  it('counts every URL 23, with or without its protocol', () => {
    const long = 'https://example.com/' + 'a'.repeat(80);
    assert.equal(long.length, 100);
    assert.equal(twitterWeightedLength(long), 23);
    assert.equal(twitterWeightedLength('Hi http://test.co'), 26);
    assert.equal(twitterWeightedLength('example.com'), 23);
    assert.equal(twitterWeightedLength('Test https://test.com test https://test.com test.com test'), 86);
    assert.equal(
      twitterWeightedLength('see example.com/foo.'),
      4 + 23 + 1,
      'a trailing dot is not part of it',
    );
    assert.equal(twitterWeightedLength('https://www.twitter.com/aloha '.repeat(10)), 240);
  });

  it('counts what is not a URL by its characters', () => {
    assert.equal(twitterWeightedLength('file.txt'), 8, 'txt is not a TLD');
    assert.equal(twitterWeightedLength('http://localhost:3000'), 21, 'no TLD');
    assert.equal(twitterWeightedLength('mail a@example.com'), 18, 'an e-mail address');
    const label64 = 'randomurl'.repeat(7) + 's.com';
    assert.equal(twitterWeightedLength(label64), 68, 'a domain label over 63 characters');
  });

  it('stays linear on long hostile input', () => {
    const started = performance.now();
    twitterWeightedLength('a.'.repeat(32000));
    twitterWeightedLength('éa.zzz/'.repeat(9000));
    twitterWeightedLength(FAMILY.repeat(5000));
    assert.ok(performance.now() - started < 2000);
  });

  it('uses the published v3 configuration', () => {
    assert.deepEqual(
      { ...TWITTER_TEXT_CONFIG, ranges: [...TWITTER_TEXT_CONFIG.ranges] },
      {
        version: 3,
        maxWeightedTweetLength: 280,
        scale: 100,
        defaultWeight: 200,
        emojiParsingEnabled: true,
        transformedURLLength: 23,
        ranges: [
          { start: 0, end: 4351, weight: 100 },
          { start: 8192, end: 8205, weight: 100 },
          { start: 8208, end: 8223, weight: 100 },
          { start: 8242, end: 8247, weight: 100 },
        ],
      },
    );
  });
});

describe('findUrls, extractHashtags, extractMentions', () => {
  it('finds URLs with their offsets, leaving trailing punctuation and unbalanced parentheses out', () => {
    const text = 'Read (https://en.wikipedia.org/wiki/Primer_(film)), then example.com/a?b=1. Not a@b.com.';
    assert.deepEqual(
      findUrls(text).map((u) => u.url),
      ['https://en.wikipedia.org/wiki/Primer_(film)', 'example.com/a?b=1'],
    );
    const [first] = findUrls(text);
    assert.equal(text.slice(first!.start, first!.end), first!.url);
  });

  it('counts #word tokens with at least one letter, outside URLs', () => {
    assert.deepEqual(extractHashtags('#hello #1st #2024 #été ＃full #tag_1! https://x.com/#frag a#b #️⃣'), [
      'hello',
      '1st',
      'été',
      'full',
      'tag_1',
    ]);
  });

  it('counts @handles but not e-mail addresses', () => {
    assert.deepEqual(extractMentions('hi @ann, @bob. mail me@example.com @x_y.z.'), ['ann', 'bob', 'x_y.z']);
  });
});

describe('platform rules data', () => {
  it('has one entry per platform, in PLATFORMS order', () => {
    assert.deepEqual(PLATFORMS, ['instagram', 'facebook', 'twitter', 'linkedin']);
    assert.deepEqual(
      listPlatformRules().map((r) => r.platform),
      [...PLATFORMS],
    );
    for (const p of PLATFORMS) assert.equal(rulesFor(p), PLATFORM_RULES[p]);
    assert.equal(rulesFor('myspace'), undefined);
    assert.equal(rulesFor('Instagram'), undefined);
    assert.equal(rulesFor('toString'), undefined);
  });

  it('states the researched limits', () => {
    const summary = Object.fromEntries(
      listPlatformRules().map((r) => [
        r.platform,
        [
          r.text.maxLength,
          r.text.counting,
          r.hashtags.max,
          r.mentions.max,
          r.media.required,
          r.media.maxCount,
        ],
      ]),
    );
    assert.deepEqual(summary, {
      instagram: [2200, 'characters', 5, 20, true, 10],
      facebook: [63206, 'characters', null, null, false, 10],
      twitter: [280, 'twitter-weighted', null, null, false, 4],
      linkedin: [3000, 'characters', null, null, false, 20],
    });
    assert.equal(PLATFORM_RULES.twitter.text.maxLength, TWITTER_TEXT_CONFIG.maxWeightedTweetLength);
    assert.equal(PLATFORM_RULES.twitter.link.countsAs, TWITTER_TEXT_CONFIG.transformedURLLength);
  });

  it('is frozen, so no caller can change the shared copy', () => {
    assert.ok(Object.isFrozen(PLATFORM_RULES.instagram.media.types));
    assert.throws(() => {
      (PLATFORM_RULES.instagram.text as { maxLength: number }).maxLength = 1;
    }, TypeError);
  });
});

describe('validateDraft', () => {
  it('names an unknown platform and nothing else', () => {
    assert.deepEqual(validateDraft(draft('myspace', { caption: 'x'.repeat(100_000) })), [
      {
        rule: 'platform.supported',
        field: 'platform',
        message: "Unknown platform 'myspace'; supported: instagram, facebook, twitter, linkedin",
      },
    ]);
  });

  describe('instagram', () => {
    it('accepts 2,200 characters, 5 hashtags, 20 mentions and 10 mixed items', () => {
      const caption = `${tags(5)} ${mentions(20)}`;
      const media = [
        ...items('image', 5, { width: 1080, height: 1350 }),
        ...items('video', 5, { durationSeconds: 60 }),
      ];
      assert.deepEqual(validateDraft(draft('instagram', { caption, media })), []);
      assert.deepEqual(validateDraft(draft('instagram', { caption: 'é'.repeat(2200) })), []);
    });

    it('refuses a post without media', () => {
      const violations = validateDraft(draft('instagram', { media: [] }));
      assert.deepEqual(violations, [
        {
          rule: 'media.required',
          field: 'mediaIds',
          message: 'Instagram posts need at least one photo or video',
        },
      ]);
    });

    it('refuses 2,201 characters', () => {
      const [v, ...rest] = validateDraft(draft('instagram', { caption: 'a'.repeat(2201) }));
      assert.deepEqual(rest, []);
      assert.deepEqual(
        { ...v, message: undefined },
        {
          rule: 'text.maxLength',
          field: 'caption',
          message: undefined,
          limit: 2200,
          actual: 2201,
        },
      );
    });

    it('counts an attached link into the caption (it is appended as text)', () => {
      const link = 'https://example.com/x';
      assert.deepEqual(rulesOf(validateDraft(draft('instagram', { caption: 'a'.repeat(2178), link }))), []);
      const [v] = validateDraft(draft('instagram', { caption: 'a'.repeat(2179), link }));
      assert.equal(v?.rule, 'text.maxLength');
      assert.equal(v?.actual, 2179 + 1 + link.length);
    });

    it('refuses a sixth hashtag, counting the first comment too', () => {
      const [v] = validateDraft(draft('instagram', { caption: tags(6) }));
      assert.equal(v?.rule, 'hashtags.max');
      assert.equal(v?.field, 'caption');
      assert.equal(v?.limit, 5);
      assert.equal(v?.actual, 6);
      const split = validateDraft(draft('instagram', { caption: tags(3, 'a'), firstComment: tags(3, 'b') }));
      assert.deepEqual(
        split.map((x) => [x.rule, x.actual]),
        [['hashtags.max', 6]],
      );
      assert.equal(validateDraft(draft('instagram', { caption: tags(31) }))[0]?.actual, 31);
    });

    it('does not count hashtags inside URLs', () => {
      const caption = `${tags(5)} https://example.com/#anchor`;
      assert.deepEqual(validateDraft(draft('instagram', { caption })), []);
    });

    it('refuses a 21st mention', () => {
      const [v] = validateDraft(draft('instagram', { caption: mentions(21) }));
      assert.deepEqual([v?.rule, v?.limit, v?.actual], ['mentions.max', 20, 21]);
    });

    it('refuses an eleventh item and GIFs', () => {
      assert.deepEqual(
        validateDraft(draft('instagram', { media: items('image', 11) })).map((v) => [
          v.rule,
          v.limit,
          v.actual,
        ]),
        [['media.maxCount', 10, 11]],
      );
      assert.deepEqual(
        validateDraft(
          draft('instagram', {
            mediaIds: Array.from({ length: 11 }, (_, i) => `med_${i}`),
            media: undefined,
          }),
        ).map((v) => v.rule),
        ['media.maxCount'],
        'mediaIds alone are counted',
      );
      const gif = validateDraft(draft('instagram', { media: [...items('image', 1), ...items('gif', 1)] }));
      assert.deepEqual(gif, [
        {
          rule: 'media.types',
          field: 'mediaIds[1]',
          message: 'Instagram does not take GIFs; it takes images, videos',
        },
      ]);
    });

    it('refuses images outside 4:5–1.91:1 and videos outside 3 s–15 min', () => {
      const media = [
        { id: 'a', type: 'image' as const, width: 1080, height: 1920 },
        { id: 'b', type: 'image' as const, width: 1080, height: 566 },
        { id: 'c', type: 'video' as const, durationSeconds: 2 },
        { id: 'd', type: 'video' as const, durationSeconds: 901 },
      ];
      assert.deepEqual(
        validateDraft(draft('instagram', { media })).map((v) => [v.rule, v.field, v.limit, v.actual]),
        [
          ['media.aspectRatio', 'mediaIds[0]', 0.8, 0.563],
          ['media.videoDuration', 'mediaIds[2]', 3, 2],
          ['media.videoDuration', 'mediaIds[3]', 900, 901],
        ],
      );
    });

    it('refuses a first comment over 2,200 characters', () => {
      const [v] = validateDraft(draft('instagram', { firstComment: 'a'.repeat(2201) }));
      assert.deepEqual(
        [v?.rule, v?.field, v?.limit, v?.actual],
        ['firstComment.maxLength', 'firstComment', 2200, 2201],
      );
    });
  });

  describe('twitter', () => {
    it('accepts 280 weighted characters with 4 images', () => {
      assert.deepEqual(
        validateDraft(draft('twitter', { caption: 'a'.repeat(280), media: items('image', 4) })),
        [],
      );
      assert.deepEqual(validateDraft(draft('twitter', { caption: 'の'.repeat(140) })), []);
      assert.deepEqual(validateDraft(draft('twitter', { caption: 'Text only', media: [] })), []);
    });

    it('refuses 281 weighted characters naming the limit', () => {
      assert.deepEqual(validateDraft(draft('twitter', { caption: 'a'.repeat(281) })), [
        {
          rule: 'text.maxLength',
          field: 'caption',
          message: 'X (Twitter) allows 280 weighted characters; this text has 281',
          limit: 280,
          actual: 281,
        },
      ]);
      assert.equal(validateDraft(draft('twitter', { caption: 'の'.repeat(141) }))[0]?.actual, 282);
    });

    it('counts an attached link as 23 plus a space', () => {
      const link = 'https://example.com/' + 'a'.repeat(200);
      assert.deepEqual(validateDraft(draft('twitter', { caption: 'a'.repeat(256), link })), []);
      const [v] = validateDraft(draft('twitter', { caption: 'a'.repeat(257), link }));
      assert.deepEqual([v?.rule, v?.actual], ['text.maxLength', 281]);
    });

    it('refuses 5 images with one media.maxCount violation', () => {
      assert.deepEqual(
        validateDraft(draft('twitter', { media: items('image', 5) })).map((v) => [v.rule, v.limit, v.actual]),
        [['media.maxCount', 4, 5]],
      );
    });

    it('refuses a second video or GIF, and mixing media types', () => {
      assert.deepEqual(
        validateDraft(draft('twitter', { media: items('video', 2) })).map((v) => [v.rule, v.limit, v.actual]),
        [['media.maxVideos', 1, 2]],
      );
      assert.deepEqual(
        validateDraft(draft('twitter', { media: items('gif', 2) })).map((v) => [v.rule, v.limit, v.actual]),
        [['media.maxGifs', 1, 2]],
      );
      assert.deepEqual(
        validateDraft(draft('twitter', { media: [...items('image', 1), ...items('video', 1)] })),
        [
          {
            rule: 'media.mixing',
            field: 'mediaIds',
            message: 'X (Twitter) posts cannot combine images and videos',
          },
        ],
      );
    });

    it('refuses a video over 140 seconds', () => {
      const [v] = validateDraft(draft('twitter', { media: items('video', 1, { durationSeconds: 141 }) }));
      assert.deepEqual(
        [v?.rule, v?.field, v?.limit, v?.actual],
        ['media.videoDuration', 'mediaIds[0]', 140, 141],
      );
    });

    it('refuses a first comment, which it does not support', () => {
      assert.deepEqual(rulesOf(validateDraft(draft('twitter', { firstComment: 'More below' }))), [
        'firstComment.supported',
      ]);
      assert.deepEqual(
        validateDraft(draft('twitter', { firstComment: '   ' })),
        [],
        'a blank comment is no comment',
      );
    });

    it('refuses a post with nothing in it', () => {
      assert.deepEqual(validateDraft(draft('twitter', { caption: '  ', media: [] })), [
        { rule: 'text.required', field: 'caption', message: 'X (Twitter) posts need text, media or a link' },
      ]);
    });

    it('lists every violation in a stable order', () => {
      const violations = validateDraft(
        draft('twitter', {
          caption: 'a'.repeat(300),
          firstComment: 'Hi',
          media: [...items('video', 3, { durationSeconds: 200 }), ...items('image', 2), ...items('gif', 1)],
        }),
      );
      assert.deepEqual(rulesOf(violations), [
        'text.maxLength',
        'firstComment.supported',
        'media.maxCount',
        'media.mixing',
        'media.maxVideos',
        'media.videoDuration',
        'media.videoDuration',
        'media.videoDuration',
      ]);
    });
  });

  describe('facebook', () => {
    it('accepts 63,206 characters with 10 photos, and a link alone', () => {
      assert.deepEqual(
        validateDraft(draft('facebook', { caption: 'a'.repeat(63206), media: items('image', 10) })),
        [],
      );
      assert.deepEqual(
        validateDraft(draft('facebook', { caption: '', media: [], link: 'https://example.com' })),
        [],
      );
    });

    it('refuses 63,207 characters, an eleventh photo and photos with a video', () => {
      assert.deepEqual(
        validateDraft(draft('facebook', { caption: 'a'.repeat(63207) })).map((v) => [
          v.rule,
          v.limit,
          v.actual,
        ]),
        [['text.maxLength', 63206, 63207]],
      );
      assert.deepEqual(rulesOf(validateDraft(draft('facebook', { media: items('image', 11) }))), [
        'media.maxCount',
      ]);
      assert.deepEqual(
        rulesOf(validateDraft(draft('facebook', { media: [...items('image', 2), ...items('video', 1)] }))),
        ['media.mixing'],
      );
    });

    it('does not count an attached link into the text (it becomes a preview card)', () => {
      const link = 'https://example.com/' + 'a'.repeat(500);
      assert.deepEqual(validateDraft(draft('facebook', { caption: 'a'.repeat(63206), link })), []);
    });

    it('takes a first comment of 8,000 characters, not more', () => {
      assert.deepEqual(validateDraft(draft('facebook', { firstComment: 'a'.repeat(8000) })), []);
      assert.deepEqual(rulesOf(validateDraft(draft('facebook', { firstComment: 'a'.repeat(8001) }))), [
        'firstComment.maxLength',
      ]);
    });
  });

  describe('linkedin', () => {
    it('accepts 3,000 characters with 20 photos, or one video', () => {
      assert.deepEqual(
        validateDraft(draft('linkedin', { caption: 'a'.repeat(3000), media: items('image', 20) })),
        [],
      );
      assert.deepEqual(
        validateDraft(draft('linkedin', { media: items('video', 1, { durationSeconds: 1800 }) })),
        [],
      );
    });

    it('refuses 3,001 characters, a 21st photo, a second video and a long comment', () => {
      assert.deepEqual(
        validateDraft(draft('linkedin', { caption: 'a'.repeat(3001) })).map((v) => [
          v.rule,
          v.limit,
          v.actual,
        ]),
        [['text.maxLength', 3000, 3001]],
      );
      assert.deepEqual(rulesOf(validateDraft(draft('linkedin', { media: items('image', 21) }))), [
        'media.maxCount',
      ]);
      assert.deepEqual(rulesOf(validateDraft(draft('linkedin', { media: items('video', 2) }))), [
        'media.maxVideos',
      ]);
      assert.deepEqual(rulesOf(validateDraft(draft('linkedin', { firstComment: 'a'.repeat(1251) }))), [
        'firstComment.maxLength',
      ]);
    });
  });

  it('refuses a link where the rules forbid one', () => {
    const rules = { ...PLATFORM_RULES.facebook, link: { allowed: false, inText: false, countsAs: null } };
    assert.deepEqual(validateAgainst(rules, draft('facebook', { link: 'https://example.com' })), [
      { rule: 'link.allowed', field: 'link', message: 'Facebook posts cannot carry a link' },
    ]);
  });
});
