import { useQuery, useQueryClient } from '@tanstack/react-query';
import { APIError, type Event, type EventType } from '@audenci/sdk-js';
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import { currentOrganization } from '../api/auth';
import { client } from '../api/client';
import { sessionQuery } from '../api/session-query';
import { invalidateFor, toastFor, type LiveSubscriber } from './live-events';
import { useToasts } from './toasts';

/** The stream's connection: opening, open, or lost and about to be opened again. */
export type LiveStatus = 'connecting' | 'live' | 'reconnecting';

interface Live {
  status: LiveStatus;
  subscribe(subscriber: LiveSubscriber): () => void;
}

const LiveContext = createContext<Live>({ status: 'connecting', subscribe: () => () => undefined });

/** The longest wait between two attempts to reconnect (ms). */
const MAX_RECONNECT_MS = 10_000;

/** Waits `ms`, or less when `signal` aborts or the browser comes back online. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      window.removeEventListener('online', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    window.addEventListener('online', done);
  });
}

/**
 * One event stream per signed-in tab (`GET /events/stream` through the SDK, with the session cookie), for
 * the organization and environment (live or test) the session is in: switching either opens a new
 * stream. Each event makes the queries of its resource stale (so pages on screen refetch), goes to the
 * pages listening with `useLiveEvents`, and may show a toast. A lost connection is reopened with the
 * stream's last id (the SDK's own retries; at once when the browser comes back online), so no event is
 * missed while away.
 */
export function LiveProvider({ children }: { children: ReactNode }) {
  const session = useQuery(sessionQuery);
  const queryClient = useQueryClient();
  const toasts = useToasts();
  const subscribers = useRef(new Set<LiveSubscriber>());
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const organizationId = session.data ? currentOrganization(session.data)?.id : undefined;
  const tenant = session.data && organizationId ? `${organizationId}:${session.data.environment}` : null;

  useEffect(() => {
    if (!tenant) return;
    const stop = new AbortController();
    const deliver = (event: Event) => {
      invalidateFor(queryClient, event);
      for (const subscriber of subscribers.current) {
        if (!subscriber.types || subscriber.types.includes(event.type)) subscriber.handler(event);
      }
      const toast = toastFor(event);
      if (toast) toasts.show(toast);
    };
    void (async () => {
      let lastEventId: string | undefined;
      setStatus('connecting');
      while (!stop.signal.aborted) {
        // One attempt: the SDK reconnects by itself; going offline ends the attempt, coming back starts the next.
        const attempt = new AbortController();
        const end = () => attempt.abort();
        const offline = () => {
          setStatus('reconnecting');
          attempt.abort();
        };
        stop.signal.addEventListener('abort', end, { once: true });
        window.addEventListener('offline', offline);
        const stream = client.events.stream({
          lastEventId,
          signal: attempt.signal,
          maxReconnectDelay: MAX_RECONNECT_MS,
          // Three keep-alives missed: the connection died without closing (sleep, a changed network).
          idleTimeout: 45_000,
          onConnectionChange: (state) => setStatus(state === 'open' ? 'live' : 'reconnecting'),
        });
        let wait = 0;
        try {
          for await (const event of stream) deliver(event);
        } catch (error) {
          // An answer a retry would not change by itself (signed out, a role change, an id the server no
          // longer knows): try again after a while, from now when the id was refused.
          setStatus('reconnecting');
          if (error instanceof APIError && error.status === 400) lastEventId = undefined;
          wait = MAX_RECONNECT_MS;
        } finally {
          stop.signal.removeEventListener('abort', end);
          window.removeEventListener('offline', offline);
        }
        lastEventId = stream.lastEventId ?? lastEventId;
        if (stop.signal.aborted) return;
        if (!navigator.onLine) wait = MAX_RECONNECT_MS;
        if (wait) await pause(wait, stop.signal);
      }
    })();
    return () => stop.abort();
  }, [tenant, queryClient, toasts]);

  const subscribe = useCallback((subscriber: LiveSubscriber) => {
    subscribers.current.add(subscriber);
    return () => void subscribers.current.delete(subscriber);
  }, []);
  const value = useMemo<Live>(() => ({ status, subscribe }), [status, subscribe]);
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

/** The live stream's connection state (for the header's indicator). */
export function useLiveStatus(): LiveStatus {
  return useContext(LiveContext).status;
}

/**
 * Calls `handler` for each event of the organization's log as it comes (of `types` only, when given),
 * while the calling component is mounted. The queries of the event's resource are already stale by then.
 */
export function useLiveEvents(handler: (event: Event) => void, types?: readonly EventType[]): void {
  const { subscribe } = useContext(LiveContext);
  const current = useRef(handler);
  useEffect(() => {
    current.current = handler;
  });
  const key = types?.join(',') ?? '';
  useEffect(() => {
    const only = key ? (key.split(',') as EventType[]) : undefined;
    return subscribe({ handler: (event) => current.current(event), types: only });
  }, [subscribe, key]);
}
