import type { PlatformRules } from './definition.js';
import { isPlatform, platformDefinitions, type Platform } from './platforms.js';

/**
 * Each registered platform's publishing rules (their data lives in `<name>/definition.ts`). `GET
 * /platforms` serves them as they are; `validation.ts` checks posts against them.
 */

/** The rules of every platform. Frozen: callers share one copy. */
export const PLATFORM_RULES: Readonly<Record<Platform, Readonly<PlatformRules<Platform>>>> = Object.freeze(
  Object.fromEntries(platformDefinitions().map((d) => [d.name, d.rules])) as Record<
    Platform,
    PlatformRules<Platform>
  >,
);

export function rulesFor(platform: string): Readonly<PlatformRules<Platform>> | undefined {
  return isPlatform(platform) ? PLATFORM_RULES[platform] : undefined;
}

/** Every platform's rules, in `PLATFORMS` order. */
export function listPlatformRules(): Readonly<PlatformRules<Platform>>[] {
  return platformDefinitions().map((d) => d.rules);
}
