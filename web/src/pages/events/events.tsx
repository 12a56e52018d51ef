import { Fragment, useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import type { Event } from '@audenci/sdk-js';
import { client } from '../../api/client';
import { EVENT_TYPES, isEventType } from '../../api/event-types';
import { formatDateTime } from '../../components/format';
import { PagedTable } from '../../components/paged-table';
import { useCursorPages } from '../../components/pager';
import { SelectField } from '../../components/select-field';
import { Empty } from '../../components/states';
import { useLiveEvents } from '../../live';
import './events.css';

const PAGE_SIZE = 25;

/** What the event is about: its object's id, as the payload names it, linked to its page when it has one. */
function Subject({ event }: { event: Event }) {
  const id = (event.data as { id?: unknown }).id;
  if (typeof id !== 'string') return <>—</>;
  if (event.type.startsWith('post.') && event.type !== 'post.deleted')
    return (
      <Link to="/posts/$postId" params={{ postId: id }} className="table__link">
        <code>{id}</code>
      </Link>
    );
  if (event.type.startsWith('job.'))
    return (
      <Link to="/jobs/$jobId" params={{ jobId: id }} className="table__link">
        <code>{id}</code>
      </Link>
    );
  return <code>{id}</code>;
}

/**
 * The event log (`GET /events`): what happened in this organization and environment, newest first, one
 * type or all, a page at a time. New events appear as they happen (the live stream makes the list stale)
 * and are marked New; each row opens to the JSON payload webhooks receive.
 */
export function EventsPage() {
  const search = useSearch({ strict: false }) as { type?: string };
  const type = isEventType(search.type) ? search.type : undefined;
  const navigate = useNavigate();
  const pages = useCursorPages();
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const [fresh, setFresh] = useState<ReadonlySet<string>>(new Set());

  const events = useQuery({
    queryKey: ['events', 'list', type ?? null, pages.cursor ?? null],
    queryFn: () =>
      client.events
        .list({
          limit: PAGE_SIZE,
          ...(type ? { type } : {}),
          ...(pages.cursor ? { cursor: pages.cursor } : {}),
        })
        .firstPage(),
    placeholderData: keepPreviousData,
  });

  // The list refetches by itself (its queries are stale); this marks what arrived while watching.
  useLiveEvents((event) => setFresh((ids) => new Set(ids).add(event.id)), type ? [type] : undefined);

  const toggle = (id: string) =>
    setOpen((ids) => {
      const next = new Set(ids);
      if (!next.delete(id)) next.add(id);
      return next;
    });

  return (
    <section className="page" aria-labelledby="events-title">
      <header className="page__header">
        <h1 id="events-title">Event log</h1>
        <p className="page__lead">
          Everything that happened in this organization and environment, newest first: the events webhooks and
          the event stream deliver. New events appear as they happen.
        </p>
      </header>
      <section className="panel" aria-labelledby="events-list-title">
        <div className="panel__header">
          <h2 id="events-list-title" className="panel__title">
            Events
          </h2>
          <div className="panel__filters">
            <SelectField
              label="Type"
              name="type"
              value={type ?? ''}
              onChange={(e) => {
                pages.reset();
                setFresh(new Set());
                const value = e.target.value;
                void navigate({ to: '/events', search: value ? { type: value } : {} });
              }}
            >
              <option value="">All types</option>
              {EVENT_TYPES.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </SelectField>
          </div>
        </div>
        <PagedTable
          query={events}
          pages={pages}
          loading="Loading events…"
          empty={
            <Empty title={type ? `No ${type} events yet` : 'No events yet'}>
              <p>
                Events are recorded as posts, campaigns, comments and jobs change. They show up here at once.
              </p>
            </Empty>
          }
          label="Events"
          columns={
            <>
              <th scope="col">When</th>
              <th scope="col">Type</th>
              <th scope="col">Object</th>
              <th scope="col">
                <span className="visually-hidden">Payload</span>
              </th>
            </>
          }
          row={(event) => {
            const expanded = open.has(event.id);
            const payloadId = `payload-${event.id}`;
            return (
              <Fragment key={event.id}>
                <tr className={fresh.has(event.id) ? 'event-row event-row--new' : 'event-row'}>
                  <td data-label="When" className="table__nowrap">
                    {formatDateTime(event.createdAt)}
                  </td>
                  <td data-label="Type" className="table__primary">
                    <code>{event.type}</code>
                    {fresh.has(event.id) ? (
                      <span className="badge badge--accent event-row__new">New</span>
                    ) : null}
                  </td>
                  <td data-label="Object" className="break">
                    <Subject event={event} />
                  </td>
                  <td className="table__actions">
                    <button
                      type="button"
                      className="button button--secondary button--small"
                      aria-expanded={expanded}
                      aria-controls={payloadId}
                      onClick={() => toggle(event.id)}
                    >
                      {expanded ? 'Hide payload' : 'Show payload'}
                      <span className="visually-hidden">
                        {' '}
                        of {event.type} {event.id}
                      </span>
                    </button>
                  </td>
                </tr>
                {expanded ? (
                  <tr className="event-payload" id={payloadId}>
                    <td colSpan={4}>
                      <pre className="event-payload__json" tabIndex={0} aria-label={`Payload of ${event.id}`}>
                        {JSON.stringify(event, null, 2)}
                      </pre>
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            );
          }}
        />
      </section>
    </section>
  );
}
