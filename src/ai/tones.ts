import { platformDefinition } from '../platforms/platforms.js';

/** The tones captions can be written in (the `tone` of `POST /captions/generate`). */
export const TONES = ['friendly', 'professional', 'playful', 'bold', 'inspirational', 'informative'] as const;
export type Tone = (typeof TONES)[number];

export function isTone(value: string): value is Tone {
  return (TONES as readonly string[]).includes(value);
}

/** Words of a brand voice that suggest a tone when the request names none. */
const VOICE_HINTS: [RegExp, Tone][] = [
  [/\b(playful|fun|funny|witty|quirky|cheeky|humou?r)/i, 'playful'],
  [/\b(bold|confident|daring|edgy|fearless|direct)/i, 'bold'],
  [/\b(inspir|uplifting|motivat|aspiration|hopeful|empower)/i, 'inspirational'],
  [/\b(professional|expert|authoritative|formal|corporate|b2b|trustworthy)/i, 'professional'],
  [/\b(informative|educational|helpful|clear|factual|technical)/i, 'informative'],
  [/\b(friendly|warm|casual|approachable|kind)/i, 'friendly'],
];

/**
 * The tone to write in: the requested one when known; else the first tone the brand voice hints at;
 * else the platform's habit (its definition's `captions.defaultTone`), else friendly.
 */
export function resolveTone(
  tone: string | null | undefined,
  voice: string | null | undefined,
  platform: string,
): Tone {
  const requested = tone?.trim().toLowerCase();
  if (requested && isTone(requested)) return requested;
  for (const [pattern, hinted] of VOICE_HINTS) if (voice && pattern.test(voice)) return hinted;
  const habit = platformDefinition(platform)?.captions.defaultTone;
  return habit && isTone(habit) ? habit : 'friendly';
}
