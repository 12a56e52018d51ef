import { definePlatform, photosOrOneVideoOrGif } from '../definition.js';
import { createFacebookConnector } from './facebook.connector.js';

/** Facebook Pages, through the Graph API. Rules checked November 2026. */
export const facebook = definePlatform({
  name: 'facebook',
  rules: {
    displayName: 'Facebook',
    text: { maxLength: 63206, counting: 'characters' },
    media: photosOrOneVideoOrGif(10, { min: 1, max: 14400 }),
    link: { allowed: true, inText: false, countsAs: null },
    firstComment: { supported: true, maxLength: 8000 },
    notes:
      'Page posts take 63,206 characters with up to 10 photos, or one video, or one GIF (photos and a ' +
      'video cannot share a post). A link is shown as a preview card. Videos 1 s to 240 min.',
    sources: [
      'https://developers.facebook.com/docs/pages-api/posts',
      'https://developers.facebook.com/docs/video-api/guides/publishing',
    ],
  },
  connector: { envPrefix: 'FACEBOOK', create: (env) => createFacebookConnector(env) },
  captions: {
    defaultTone: 'friendly',
    hashtags: 2,
    emoji: { default: 1, byTone: { professional: 0, informative: 0 } },
    layout: 'conversational',
    prompt: 'Facebook: conversational, ask the audience a question, at most 2 hashtags.',
    aspectRatio: { image: '1:1', video: '16:9' },
  },
  // Early afternoon on weekdays, midday at weekends.
  postingTimes: [
    { days: [1, 2, 3, 4, 5], hours: [9, 13], rank: 0 },
    { days: [0, 6], hours: [12], rank: 0 },
    { days: [0, 1, 2, 3, 4, 5, 6], hours: [16, 19], rank: 1 },
    { days: [0, 6], hours: [9], rank: 1 },
  ],
  sandbox: { postIdDigits: 16, missingMetrics: ['saves', 'videoViews'] },
});
