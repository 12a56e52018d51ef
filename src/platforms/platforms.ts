import type { PlatformDefinition } from './definition.js';
import { facebook } from './facebook/definition.js';
import { instagram } from './instagram/definition.js';
import { linkedin } from './linkedin/definition.js';
import { twitter } from './twitter/definition.js';

/**
 * The platform registry: every network the API knows, in the order the API lists them. Adding a
 * network is its folder (`<name>/definition.ts`, its connector) and one entry here; nothing else
 * enumerates networks.
 */
const DEFINITIONS = [instagram, facebook, twitter, linkedin] as const;

/** A platform's id, as the API names it. */
export type Platform = (typeof DEFINITIONS)[number]['name'];

export const PLATFORMS: readonly Platform[] = Object.freeze(DEFINITIONS.map((d) => d.name));

export function isPlatform(value: string): value is Platform {
  return (PLATFORMS as readonly string[]).includes(value);
}

/** Every registered network's definition, in `PLATFORMS` order. */
export function platformDefinitions(): readonly Readonly<PlatformDefinition<Platform>>[] {
  return DEFINITIONS;
}

/** The definition of `platform`, or undefined for a name the registry does not know. */
export function platformDefinition(platform: string): Readonly<PlatformDefinition<Platform>> | undefined {
  return DEFINITIONS.find((d) => d.name === platform);
}
