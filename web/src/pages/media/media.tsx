import { useState } from 'react';
import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import type { Media } from '@audenci/sdk-js';
import { client } from '../../api/client';
import { toProblem } from '../../api/problem';
import { useRole } from '../../api/role';
import { MediaUpload } from '../../components/media-upload';
import { Empty, ErrorState, Loading } from '../../components/states';
import { brandsQuery } from '../../api/brands';
import { MediaDetails, Thumb } from './media-details';
import {
  MEDIA_TYPES,
  formatBytes,
  formatDimensions,
  formatSeconds,
  isMediaType,
  mediaName,
  typeWord,
  type MediaType,
} from './media-format';
import { ImportDialog } from './media-import';
import './media.css';
import { BrandSelect } from '../../components/brand-select';

const PAGE_SIZE = 24;

interface MediaSearch {
  type?: string;
  brand?: string;
}

/** The library, newest first, a page of cards at a time, under the type and brand filters. */
function useMediaList(type: MediaType | undefined, brandId: string | undefined) {
  return useInfiniteQuery({
    queryKey: ['media', 'list', { type: type ?? null, brandId: brandId ?? null }],
    queryFn: async ({ pageParam }) => {
      const page = await client.media
        .list({ type, brandId, limit: PAGE_SIZE, cursor: pageParam, sortOrder: 'desc' })
        .firstPage();
      return {
        items: page.data,
        total: page.pagination.totalCount,
        next: page.hasNextPage() ? (page.pagination.nextCursor ?? undefined) : undefined,
      };
    },
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next,
  });
}

/** What a card says under its picture (a screen reader hears the file name, then this). */
function summary(media: Media): string {
  const parts: string[] = [typeWord(media.type), formatBytes(media.size)];
  const dimensions = formatDimensions(media);
  if (dimensions) parts.push(dimensions);
  if (media.type === 'video' && media.durationSeconds !== null)
    parts.push(formatSeconds(media.durationSeconds));
  return parts.join(' · ');
}

function MediaCard({ media, onOpen }: { media: Media; onOpen: () => void }) {
  const name = mediaName(media);
  return (
    <li className="media-grid__item">
      <button type="button" className="media-card" aria-haspopup="dialog" onClick={onOpen}>
        <span className="media-card__thumb">
          <Thumb media={media} />
          {media.type === 'video' && media.durationSeconds !== null ? (
            <span className="media-card__duration" aria-hidden="true">
              {formatSeconds(media.durationSeconds)}
            </span>
          ) : null}
          {media.type === 'gif' ? (
            <span className="media-card__duration" aria-hidden="true">
              GIF
            </span>
          ) : null}
        </span>
        {/* The picture's text (the file name) names the card; the visible name repeats it. */}
        <span className="media-card__name" aria-hidden="true">
          {name}
        </span>
        <span className="media-card__meta">{summary(media)}</span>
      </button>
    </li>
  );
}

function TypeFilter({ type, brand }: { type: MediaType | undefined; brand: string | undefined }) {
  const options = [{ value: undefined, label: 'All' }, ...MEDIA_TYPES];
  return (
    <nav className="media-filter" aria-label="Filter by type">
      {options.map((option) => (
        <Link
          key={option.label}
          to="/media"
          search={{ type: option.value, brand }}
          className={`media-filter__link${type === option.value ? ' media-filter__link--active' : ''}`}
          aria-current={type === option.value ? 'page' : undefined}
        >
          {option.label}
        </Link>
      ))}
    </nav>
  );
}

/**
 * The media library: a grid of thumbnails (videos with their length), filtered by type and brand;
 * several files uploaded at once, each with its progress; import from a URL; each item's details and
 * delete in a dialog.
 */
export function MediaPage() {
  const search: MediaSearch = useSearch({ strict: false });
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { role } = useRole();
  const canChange = role !== null && role !== 'viewer';
  const type = isMediaType(search.type) ? search.type : undefined;
  const brands = useQuery(brandsQuery);
  const brandList = brands.data?.items ?? [];
  const brandId = brandList.some((b) => b.id === search.brand) ? search.brand : undefined;
  const list = useMediaList(type, brandId);
  const [open, setOpen] = useState<Media | null>(null);
  const [importing, setImporting] = useState(false);
  const [notice, setNotice] = useState<string>();

  const refresh = () => queryClient.invalidateQueries({ queryKey: ['media'] });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const total = list.data?.pages[0]?.total ?? 0;
  const filterWord = type ? MEDIA_TYPES.find((t) => t.value === type)!.label.toLowerCase() : 'media';

  return (
    <section className="page" aria-labelledby="media-title">
      <header className="page__header page__header--actions">
        <div>
          <h1 id="media-title">Media</h1>
          <p className="page__lead">
            Images, GIFs and videos for your posts. Upload files from this device or import them from a web
            address.
          </p>
        </div>
        {canChange ? (
          <button type="button" className="button button--secondary" onClick={() => setImporting(true)}>
            Import from URL
          </button>
        ) : null}
      </header>
      {canChange ? (
        <MediaUpload
          brandId={brandId}
          label="Upload files"
          onUploaded={(media) => {
            setNotice(`“${mediaName(media)}” added to the library.`);
            void refresh();
          }}
        />
      ) : null}
      <div role="status" aria-live="polite" className="notice-slot">
        {notice ? <p className="alert alert--success">{notice}</p> : null}
      </div>
      <div className="media-toolbar">
        <TypeFilter type={type} brand={brandId} />
        {brandList.length > 0 ? (
          <div className="media-toolbar__brand">
            <BrandSelect
              brands={brandList}
              none="All brands"
              name="brand"
              value={brandId ?? ''}
              onChange={(e) =>
                void navigate({ to: '/media', search: { type, brand: e.target.value || undefined } })
              }
            />
          </div>
        ) : null}
      </div>
      {list.isPending ? (
        <Loading label="Loading media…" />
      ) : !list.data ? (
        <ErrorState problem={toProblem(list.error)} onRetry={() => void list.refetch()} />
      ) : items.length === 0 ? (
        <div className="card">
          {type || brandId ? (
            <Empty title={`No ${filterWord} here`}>
              Nothing matches this filter.{' '}
              <Link to="/media" search={{}}>
                Show all media
              </Link>
            </Empty>
          ) : (
            <Empty title="No media yet">
              Upload images or videos, or import one from a web address, to use them in posts.
            </Empty>
          )}
        </div>
      ) : (
        <>
          <p className="media-count muted">
            {total === 1 ? '1 item' : `${total.toLocaleString()} items`}
            {items.length < total ? `, ${items.length.toLocaleString()} shown` : ''}
          </p>
          <ul className="media-grid" aria-label={`Media library, ${filterWord}`}>
            {items.map((media) => (
              <MediaCard key={media.id} media={media} onOpen={() => setOpen(media)} />
            ))}
          </ul>
          {list.hasNextPage ? (
            <div className="media-more">
              <button
                type="button"
                className="button button--secondary"
                disabled={list.isFetchingNextPage}
                onClick={() => void list.fetchNextPage()}
              >
                {list.isFetchingNextPage ? 'Loading…' : 'Show more'}
              </button>
            </div>
          ) : null}
          {list.isFetchNextPageError ? (
            <ErrorState problem={toProblem(list.error)} onRetry={() => void list.fetchNextPage()} />
          ) : null}
        </>
      )}
      {open ? (
        <MediaDetails
          key={open.id}
          media={open}
          brands={brandList}
          canDelete={canChange}
          onClose={() => setOpen(null)}
          onDeleted={(media) => {
            setOpen(null);
            setNotice(`“${mediaName(media)}” deleted.`);
            void refresh();
          }}
        />
      ) : null}
      {importing ? (
        <ImportDialog
          brands={brandList}
          defaultBrandId={brandId}
          onClose={() => setImporting(false)}
          onImported={(media) => {
            setImporting(false);
            setNotice(`“${mediaName(media)}” imported.`);
            void refresh();
          }}
        />
      ) : null}
    </section>
  );
}
