import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { Clock } from '../shared/clock.js';
import type { CursorCodec } from '../shared/cursor.js';
import type { CountCache } from '../db/count-cache.js';
import type { DialectCapabilities } from '../db/dialects/types.js';
import type { Queue } from '../db/queue/queue.js';
import type { Mailer } from '../mail/index.js';

/** What every service function needs: the database, the time and the cursor signer. */
export interface ServiceContext {
  db: Kysely<Database>;
  clock: Clock;
  cursors: CursorCodec;
  /** Cached list totals; services invalidate a resource's counts when they write to it. */
  counts: CountCache;
  /** The durable queue: enqueue inside the transaction that causes the work. */
  queue: Queue;
  capabilities: DialectCapabilities;
  /** AUDENCI_WEBHOOK_RETRY_DELAYS (seconds): webhook fan-out gives each delivery job one attempt more. */
  webhookRetryDelays: readonly number[];
  /** Invitations and password resets; `configured: false` without AUDENCI_SMTP_URL (links go to an admin). */
  mailer: Mailer;
}
