import { queryOptions, useQuery } from '@tanstack/react-query';
import type { PlatformRules, Post } from '@audenci/sdk-js';
import { client } from './client';

export type Platform = Post['platform'];

/**
 * Every platform with its rules and display name (`GET /platforms`). They change only with a deploy, so
 * the list is loaded once; every page shares this key.
 */
export const platformsQuery = queryOptions({
  queryKey: ['platforms'] as const,
  queryFn: () => client.platforms.list(),
  staleTime: Infinity,
});

/**
 * The networks a post can be for, in the API's order, with the names the API's list gives them: for
 * what must show before that list has loaded (a filter's options, a calendar card).
 */
export const PLATFORMS = [
  { value: 'instagram', label: 'Instagram' },
  { value: 'facebook', label: 'Facebook' },
  { value: 'twitter', label: 'X (Twitter)' },
  { value: 'linkedin', label: 'LinkedIn' },
] as const satisfies readonly { value: Platform; label: string }[];

export function isPlatform(value: string | undefined): value is Platform {
  return PLATFORMS.some((p) => p.value === value);
}

/** `X (Twitter)` for `twitter`; an unknown id as it is. */
export function platformLabel(platform: string): string {
  return PLATFORMS.find((p) => p.value === platform)?.label ?? platform;
}

/** A platform's display name from the API's list (`twitter` → `X (Twitter)`), `platformLabel` while it loads. */
export function platformNamer(rules: readonly PlatformRules[] | undefined) {
  return (platform: string) =>
    rules?.find((r) => r.platform === platform)?.displayName ?? platformLabel(platform);
}

/** `platformNamer` over the shared platforms query. */
export function usePlatformName() {
  const platforms = useQuery(platformsQuery);
  return platformNamer(platforms.data);
}
