import type { Tone } from '../../tones.js';

/**
 * The builtin provider's phrase banks. `{topic}` is the topic as written, `{Topic}` capitalized,
 * `{brand}` the brand's name or "we"/"our team" forms. Five hooks per tone, so five drafts differ.
 */
export interface ToneBank {
  hooks: string[];
  /** Middle sentences for the longer platforms (LinkedIn, Instagram, Facebook). */
  bodies: string[];
  /** Emoji this tone may use; empty means "none". */
  emoji: string[];
}

export const BANKS: Record<Tone, ToneBank> = {
  friendly: {
    hooks: [
      "Let's talk about {topic}!",
      "Here's a little something on {topic}.",
      'Ever wondered about {topic}?',
      'We love {topic}, and we think you will too.',
      'Quick hello from us, with {topic} on our minds.',
    ],
    bodies: [
      '{Brand} is all about making {topic} simple and enjoyable.',
      "We've gathered a few ideas we think you'll enjoy.",
      "It's easier than it looks, and a lot more fun.",
    ],
    emoji: ['😊', '👋', '💛', '🙌', '✨'],
  },
  professional: {
    hooks: [
      '{Topic}: what it means for your business.',
      'A closer look at {topic}.',
      'Why {topic} matters now.',
      'Three things leaders should know about {topic}.',
      'How we approach {topic}.',
    ],
    bodies: [
      '{Brand} has seen how much a clear approach to {topic} pays off.',
      'The teams that get this right plan early, measure what matters and keep improving.',
      'Here is what we have learned, and what we would do differently.',
    ],
    emoji: ['📈', '💡', '✅'],
  },
  playful: {
    hooks: [
      'Plot twist: {topic} is way more fun than it sounds.',
      'Okay, real talk: {topic}.',
      'Warning: {topic} may cause extreme enthusiasm.',
      '{Topic}? Yes please!',
      'Nobody asked, but here we are talking {topic} again.',
    ],
    bodies: [
      '{Brand} may be slightly obsessed, and honestly, no regrets.',
      'Grab a snack, this one is good.',
      'Spoiler: it only gets better from here.',
    ],
    emoji: ['🎉', '😄', '🚀', '🤩', '🍿'],
  },
  bold: {
    hooks: [
      '{Topic}. No compromises.',
      'Stop settling. Start with {topic}.',
      'This is {topic}, done right.',
      'Big news: {topic}.',
      'We said it first: {topic}.',
    ],
    bodies: [
      '{Brand} does not do half measures.',
      'Raise the bar, then raise it again.',
      'If it is worth doing, it is worth doing loudly.',
    ],
    emoji: ['🔥', '⚡', '💥', '🚀'],
  },
  inspirational: {
    hooks: [
      'Every great journey starts with a single step: {topic}.',
      'Dream big, start with {topic}.',
      'What if {topic} changed everything?',
      'Small steps, big change: {topic}.',
      'Today is a good day for {topic}.',
    ],
    bodies: [
      '{Brand} believes progress beats perfection.',
      'Keep going. The best is still ahead.',
      'Look back at how far you have come, then take the next step.',
    ],
    emoji: ['🌟', '🌱', '✨', '🌅', '💫'],
  },
  informative: {
    hooks: [
      'Did you know? {Topic}.',
      'Quick guide: {topic}.',
      'The facts about {topic}.',
      'What you need to know about {topic}.',
      '{Topic}, explained in a minute.',
    ],
    bodies: [
      '{Brand} put the essentials in one place.',
      'Start with the basics, then build on them step by step.',
      'Most questions we hear come down to a few simple points.',
    ],
    emoji: ['💡', '📌', '📚', '🔎'],
  },
};

/** Calls to action by the plan's goal; `default` when no goal matches. */
export const CALLS_TO_ACTION: Record<
  'awareness' | 'engagement' | 'traffic' | 'conversions' | 'default',
  string[]
> = {
  awareness: ['Follow us for more.', 'Stay tuned, there is more to come.'],
  engagement: ['What do you think? Tell us in the comments.', 'Share your take below.'],
  traffic: ['Read more at the link.', 'Find the full story at the link.'],
  conversions: ['Ready to try it? Get started today.', 'Give it a try today.'],
  default: ['What do you think?', 'Tell us what you think.'],
};

export function goalKey(goal: string | null | undefined): keyof typeof CALLS_TO_ACTION {
  const g = goal?.toLowerCase() ?? '';
  if (/aware|reach|brand/.test(g)) return 'awareness';
  if (/engag|communit|comment|convers/.test(g)) return 'engagement';
  if (/traffic|click|visit|read/.test(g)) return 'traffic';
  if (/sale|convert|lead|sign|buy|revenue/.test(g)) return 'conversions';
  return 'default';
}
