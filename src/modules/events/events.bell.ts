import { EventEmitter } from 'node:events';
import type { Tenant } from '../../shared/tenant.js';

/**
 * Wakes this process's event streams when it records an event, so that a stream need not wait for its
 * next poll. A ring comes as the event is written, before its transaction commits: a woken stream reads
 * again a few times shortly after (events.stream.ts). Events recorded by other processes (a separate
 * worker) are found by the poll.
 */
const bell = new EventEmitter();
bell.setMaxListeners(0);

const channel = (tenant: Tenant) => `${tenant.organizationId}:${tenant.environment}`;

/** Rings for `tenant`'s streams, after the current call stack (the write) has gone on. */
export function ringEventLog(tenant: Tenant): void {
  const name = channel(tenant);
  if (bell.listenerCount(name) > 0) setImmediate(() => bell.emit(name));
}

/** Calls `listener` on each ring for `tenant`; answers a function that stops listening. */
export function onEventLog(tenant: Tenant, listener: () => void): () => void {
  const name = channel(tenant);
  bell.on(name, listener);
  return () => bell.off(name, listener);
}
