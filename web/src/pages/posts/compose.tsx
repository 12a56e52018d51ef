import { useMemo } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link, useSearch } from '@tanstack/react-router';
import type { Brand, Media, PlatformRules, Post } from '@audenci/sdk-js';
import { client } from '../../api/client';
import { toProblem } from '../../api/problem';
import { sessionQuery } from '../../api/session-query';
import { Empty, ErrorState, Loading, QueryView } from '../../components/states';
import { brandsQuery } from '../../api/brands';
import { Composer, type ComposerStart } from './composer';
import { instantToZoned } from '../../components/zoned-time';
import { useMediaItems } from './queries';
import './posts.css';
import { platformsQuery } from '../../api/platforms';

const EDITABLE: Post['status'][] = ['DRAFT', 'SCHEDULED'];

function startFrom(
  brands: Brand[],
  platforms: PlatformRules[],
  search: { brand?: string; platform?: string; at?: string; campaign?: string },
  post?: Post,
  media: Media[] = [],
): ComposerStart {
  const brand = brands.find((b) => b.id === (post?.brandId ?? search.brand)) ?? brands[0]!;
  const platform =
    platforms.find((p) => p.platform === (post?.platform ?? search.platform))?.platform ??
    platforms[0]?.platform ??
    'twitter';
  const at = post?.scheduledFor ?? (search.at && !Number.isNaN(Date.parse(search.at)) ? search.at : null);
  return {
    brandId: brand.id,
    platform,
    socialAccountId: post?.socialAccountId ?? '',
    caption: post?.caption ?? '',
    firstComment: post?.firstComment ?? '',
    link: post?.link ?? '',
    media,
    at: at ? instantToZoned(at, brand.timezone) : '',
    campaignId: post?.campaignId ?? search.campaign ?? null,
  };
}

function EditComposer({
  postId,
  brands,
  platforms,
}: {
  postId: string;
  brands: Brand[];
  platforms: PlatformRules[];
}) {
  const post = useQuery({ queryKey: ['posts', postId], queryFn: () => client.posts.retrieve(postId) });
  const media = useMediaItems(post.data?.mediaIds ?? []);
  if (post.data && !EDITABLE.includes(post.data.status)) {
    return (
      <Empty title={`This post is ${post.data.status.toLowerCase()} and can no longer be edited`}>
        <Link to="/posts/$postId" params={{ postId }}>
          Back to the post
        </Link>
      </Empty>
    );
  }
  if (post.data && post.data.mediaIds.length > 0) {
    return (
      <QueryView query={media} loading="Loading the post’s media…">
        {(items) => (
          <Composer
            start={startFrom(brands, platforms, {}, post.data, items)}
            post={post.data}
            brands={brands}
            platforms={platforms}
          />
        )}
      </QueryView>
    );
  }
  return (
    <QueryView query={post} loading="Loading the post…">
      {(loaded) => (
        <Composer
          start={startFrom(brands, platforms, {}, loaded)}
          post={loaded}
          brands={brands}
          platforms={platforms}
        />
      )}
    </QueryView>
  );
}

/** The composer: a new post (`/compose`, prefilled by `?brand=&platform=&at=`) or an edit (`?post=`). */
export function ComposePage() {
  const search = useSearch({ from: '/signed-in/compose' });
  // Switching between live and test mode starts the form again: its brand, accounts and media are of
  // the other environment.
  const environment = useQuery(sessionQuery).data?.environment ?? '';
  const brands = useQuery(brandsQuery);
  const platforms = useQuery(platformsQuery);
  const both = useMemo(
    () =>
      brands.data && platforms.data ? { brands: brands.data.items, platforms: platforms.data } : undefined,
    [brands.data, platforms.data],
  );
  const failed = brands.isError ? brands : platforms.isError ? platforms : undefined;
  const editing = Boolean(search.post);
  return (
    <section className="page composer-page" aria-labelledby="compose-title">
      <header className="page__header">
        <div className="page__heading">
          <h1 id="compose-title">{editing ? 'Edit post' : 'Compose'}</h1>
          <p className="page__lead">
            Write the post, check it against the platform’s rules as you type, then save, schedule or publish.
          </p>
        </div>
      </header>
      {failed ? (
        <ErrorState problem={toProblem(failed.error)} onRetry={() => void failed.refetch()} />
      ) : !both ? (
        <Loading label="Loading brands and platforms…" />
      ) : both.brands.length === 0 ? (
        <Empty title="No brands yet">
          Posts belong to a brand. <Link to="/brands">Create a brand</Link> first.
        </Empty>
      ) : search.post ? (
        <EditComposer key={`${environment}|${search.post}`} postId={search.post} {...both} />
      ) : (
        <Composer
          key={`${environment}|${search.brand ?? ''}|${search.platform ?? ''}|${search.at ?? ''}`}
          start={startFrom(both.brands, both.platforms, search)}
          {...both}
        />
      )}
    </section>
  );
}
