import { definePlatform, photosOrOneVideoOrGif } from '../definition.js';

/**
 * LinkedIn. The API knows its rules and the sandbox serves it in the test environment, but no live
 * connector publishes to it yet (no `connector`): in the live environment an account cannot connect.
 * Rules checked November 2026.
 */
export const linkedin = definePlatform({
  name: 'linkedin',
  rules: {
    displayName: 'LinkedIn',
    text: { maxLength: 3000, counting: 'characters' },
    media: photosOrOneVideoOrGif(20, { min: 3, max: 1800 }),
    link: { allowed: true, inText: false, countsAs: null },
    firstComment: { supported: true, maxLength: 1250 },
    notes:
      'Commentary takes 3,000 characters, with up to 20 photos (a multi-image post), or one video, or ' +
      'one GIF; media types cannot be combined. A link becomes an article card. Videos 3 s to 30 min.',
    sources: [
      'https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api',
      'https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/multiimage-post-api',
      'https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/videos-api',
    ],
  },
  captions: {
    defaultTone: 'professional',
    hashtags: 3,
    emoji: { default: 0, byTone: { inspirational: 1, bold: 1 } },
    layout: 'paragraphs',
    prompt:
      'LinkedIn: a hook line, two or three short professional paragraphs, a question, 3 hashtags at the end.',
    aspectRatio: { image: '1.91:1', video: '16:9' },
  },
  // Business mornings and lunch, best Tuesday to Thursday.
  postingTimes: [
    { days: [2, 3, 4], hours: [8, 12], rank: 0 },
    { days: [1, 2, 3, 4, 5], hours: [8, 10, 12, 14, 17], rank: 1 },
  ],
  sandbox: { postIdDigits: 19, missingMetrics: [] },
});
