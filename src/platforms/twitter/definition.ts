import { definePlatform, photosOrOneVideoOrGif } from '../definition.js';
import { createTwitterConnector } from './twitter.connector.js';

/** X (Twitter), API v2. Rules checked November 2026; the text weighting is in `twitter.text.ts`. */
export const twitter = definePlatform({
  name: 'twitter',
  rules: {
    displayName: 'X (Twitter)',
    text: { maxLength: 280, counting: 'twitter-weighted' },
    media: photosOrOneVideoOrGif(4, { min: 0.5, max: 140 }),
    link: { allowed: true, inText: true, countsAs: 23 },
    firstComment: { supported: false, maxLength: null },
    notes:
      '280 weighted characters (twitter-text v3): Latin letters, punctuation and common symbols count 1; ' +
      'CJK, most other scripts and every emoji (however many code points) count 2; every URL counts 23. ' +
      'Up to 4 photos, or one video, or one GIF. Videos 0.5 s to 140 s. X Premium accounts may post ' +
      'longer text; Audenci checks the standard limit.',
    sources: [
      'https://docs.x.com/fundamentals/counting-characters',
      'https://github.com/twitter/twitter-text/blob/master/config/v3.json',
      'https://docs.x.com/x-api/media/quickstart/best-practices',
    ],
  },
  connector: { envPrefix: 'TWITTER', create: createTwitterConnector },
  captions: {
    defaultTone: 'friendly',
    hashtags: 2,
    emoji: { default: 1, byTone: { professional: 0, informative: 0 } },
    layout: 'one-line',
    // A tweet is one short line, not the whole topic.
    topicLengths: [100, 80, 50, 30, 16],
    hashtagsInline: true,
    prompt: 'X (Twitter): one or two short punchy sentences, at most 2 hashtags at the end.',
    aspectRatio: { image: '16:9', video: '16:9' },
  },
  // Weekday mornings, lunch and the commute home.
  postingTimes: [
    { days: [1, 2, 3, 4, 5], hours: [9, 12, 17], rank: 0 },
    { days: [1, 2, 3, 4, 5], hours: [15, 20], rank: 1 },
    { days: [0, 6], hours: [10, 13, 16, 19], rank: 1 },
  ],
  sandbox: { postIdDigits: 19, missingMetrics: ['reach', 'videoViews'] },
});
