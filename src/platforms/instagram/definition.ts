import { definePlatform } from '../definition.js';
import { createInstagramConnector } from './instagram.connector.js';

/** Instagram (business accounts, through the Graph API). Rules checked November 2026. */
export const instagram = definePlatform({
  name: 'instagram',
  rules: {
    displayName: 'Instagram',
    text: { maxLength: 2200, counting: 'characters' },
    hashtags: { max: 5, includesFirstComment: true },
    mentions: { max: 20 },
    media: {
      required: true,
      maxCount: 10,
      types: ['image', 'video'],
      maxImages: 10,
      maxVideos: 10,
      maxGifs: null,
      mixing: true,
      minImageAspectRatio: 0.8,
      maxImageAspectRatio: 1.91,
      minVideoSeconds: 3,
      maxVideoSeconds: 900,
    },
    link: { allowed: true, inText: true, countsAs: null },
    firstComment: { supported: true, maxLength: 2200 },
    notes:
      'Every post needs 1–10 photos or videos; several become a carousel (photos and videos may be mixed) ' +
      'and a single video is published as a reel. Captions take 2,200 characters, 20 @mentions and 5 ' +
      'hashtags (Instagram cut the cap from 30 to 5 in December 2025), counting the first comment. ' +
      'Links in captions are not clickable. Photos between 4:5 and 1.91:1; videos 3 s to 15 min; no GIFs.',
    sources: [
      'https://developers.facebook.com/docs/instagram-platform/content-publishing/',
      'https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media',
    ],
  },
  connector: { envPrefix: 'INSTAGRAM', create: (env) => createInstagramConnector(env) },
  captions: {
    defaultTone: 'friendly',
    hashtags: 5,
    emoji: { default: 2, byTone: { professional: 1 } },
    layout: 'hashtag-block',
    prompt: 'Instagram: a hook line, a short story, a call to action, then a block of hashtags.',
    aspectRatio: { image: '4:5', video: '9:16' },
  },
  // Late morning and evening, every day.
  postingTimes: [
    { days: [0, 1, 2, 3, 4, 5, 6], hours: [11, 19], rank: 0 },
    { days: [0, 1, 2, 3, 4, 5, 6], hours: [8, 14, 21], rank: 1 },
  ],
  sandbox: { postIdDigits: 17, missingMetrics: ['clicks', 'videoViews'] },
});
