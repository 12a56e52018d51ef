import type { Migration } from 'kysely';
import * as m0001 from './0001_foundation.js';
import * as m0002 from './0002_content.js';
import * as m0003 from './0003_social_accounts.js';
import * as m0004 from './0004_jobs.js';
import * as m0005 from './0005_events.js';
import * as m0006 from './0006_webhooks.js';
import * as m0007 from './0007_api_jobs.js';
import * as m0008 from './0008_media.js';
import * as m0009 from './0009_plans.js';
import * as m0010 from './0010_metrics.js';
import * as m0011 from './0011_comments.js';
import * as m0012 from './0012_metrics_latest.js';
import * as m0013 from './0013_metrics_latest_post_index.js';
import * as m0014 from './0014_posts_date.js';
import * as m0015 from './0015_people.js';
import * as m0016 from './0016_two_factor.js';
import * as m0017 from './0017_event_log_position.js';
import * as m0018 from './0018_metrics_rollups.js';

/**
 * Forward-only migrations, in order. Each is portable DDL that runs unchanged on SQLite and PostgreSQL.
 * Never change what one that has shipped sends to the database (nor the helpers of ddl.ts and
 * metrics-columns.ts it calls): add the next step.
 */
export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_content': m0002,
  '0003_social_accounts': m0003,
  '0004_jobs': m0004,
  '0005_events': m0005,
  '0006_webhooks': m0006,
  '0007_api_jobs': m0007,
  '0008_media': m0008,
  '0009_plans': m0009,
  '0010_metrics': m0010,
  '0011_comments': m0011,
  '0012_metrics_latest': m0012,
  '0013_metrics_latest_post_index': m0013,
  '0014_posts_date': m0014,
  '0015_people': m0015,
  '0016_two_factor': m0016,
  '0017_event_log_position': m0017,
  '0018_metrics_rollups': m0018,
};
