import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { createTestDatabase, dialects, ManualClock, type TestDatabase } from '../../../test/helpers/app.js';
import { openPostgres } from '../dialects/postgres.js';
import { createOrganization } from '../../modules/organizations/index.js';
import { createRuntime, type Runtime } from '../../runtime.js';
import { Queue, QUEUE_CHANNEL } from './queue.js';

/**
 * The durable queue's own guarantees, below the Worker: the transactional outbox, deduplication, claims
 * with leases, guarded state changes, the dead state for jobs whose worker died on the last attempt, and
 * notifications (LISTEN/NOTIFY on PostgreSQL).
 */

const T0 = Date.parse('2026-03-01T12:00:00Z');
const LEASE = 1000;
const LONG_LEASE = 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 3000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

let typeCounter = 0;
/** Every test uses job types of its own, so tests sharing a database do not claim each other's jobs. */
const uniqueType = (name: string) => `${name}.${++typeCounter}`;

for (const dialect of dialects) {
  describe(`queue (${dialect})`, () => {
    const clock = new ManualClock(T0);
    let database: TestDatabase;
    let runtime: Runtime;
    let queue: Queue;

    before(async () => {
      database = createTestDatabase(dialect);
      runtime = await createRuntime(database.config, {
        schema: database.schema,
        sqliteFile: database.sqliteFile,
        clock,
      });
      queue = new Queue(runtime.db, clock);
    });

    after(async () => {
      await runtime?.close();
      await database?.drop();
    });

    const countOfType = async (type: string) =>
      (await queue.db.selectFrom('jobs').select('id').where('type', '=', type).execute()).length;

    describe('enqueue (transactional outbox)', () => {
      it('a job enqueued in a transaction that rolls back does not exist', async () => {
        const type = uniqueType('outbox');
        let enqueuedId = '';
        await assert.rejects(
          queue.db.transaction().execute(async (trx) => {
            enqueuedId = (await queue.enqueue(trx, { type, payload: { n: 1 }, tenant: null })).id;
            assert.ok(
              await trx.selectFrom('jobs').select('id').where('id', '=', enqueuedId).executeTakeFirst(),
            );
            throw new Error('the change failed');
          }),
          /the change failed/,
        );
        assert.ok(enqueuedId);
        assert.equal(await queue.get(enqueuedId), undefined);
        assert.deepEqual(await queue.claim('w1', 10, LEASE, [type]), []);
      });

      it('a job enqueued in a transaction that commits exists and is claimable', async () => {
        const type = uniqueType('outbox');
        const org = await createOrganization(queue.db, clock, { name: 'Queue org', plan: 'enterprise' });
        const job = await queue.db.transaction().execute(async (trx) =>
          queue.enqueue(trx, {
            type,
            payload: { postId: 'post_1' },
            tenant: { organizationId: org.id, environment: 'test' },
          }),
        );
        const stored = await queue.get(job.id);
        assert.deepEqual(stored, job);
        assert.equal(stored?.status, 'queued');
        assert.equal(stored?.attempts, 0);
        assert.equal(stored?.max_attempts, 5);
        assert.equal(stored?.run_at, clock.now());
        assert.equal(stored?.organization_id, org.id);
        assert.equal(stored?.environment, 'test');
        assert.deepEqual(JSON.parse(stored!.payload), { postId: 'post_1' });

        const claimed = await queue.claim('w1', 10, LEASE, [type]);
        assert.deepEqual(
          claimed.map((j) => j.id),
          [job.id],
        );
      });
    });

    describe('dedupeKey', () => {
      it('a second enqueue with the same key returns the first job and inserts nothing', async () => {
        const type = uniqueType('dedupe');
        const key = `${type}:post_1:1`;
        const first = await queue.enqueue(queue.db, {
          type,
          payload: { n: 1 },
          tenant: null,
          dedupeKey: key,
        });
        clock.advance(10);
        const second = await queue.db
          .transaction()
          .execute((trx) =>
            queue.enqueue(trx, { type, payload: { n: 2 }, tenant: null, dedupeKey: key, runAt: T0 + 99_999 }),
          );
        clock.set(T0);
        assert.deepEqual(second, first);
        assert.equal(await countOfType(type), 1);
        assert.deepEqual(JSON.parse((await queue.get(first.id))!.payload), { n: 1 });

        // The key stays taken after the first job finished: at most one job with a key ever exists.
        const [claimed] = await queue.claim('w1', 1, LEASE, [type]);
        assert.ok(await queue.complete(queue.db, 'w1', claimed!.id, null));
        const third = await queue.enqueue(queue.db, {
          type,
          payload: { n: 3 },
          tenant: null,
          dedupeKey: key,
        });
        assert.equal(third.id, first.id);
        assert.equal(third.status, 'succeeded');
        assert.equal(await countOfType(type), 1);

        // Different keys, and no key at all, are independent jobs.
        await queue.enqueue(queue.db, { type, payload: {}, tenant: null, dedupeKey: `${key}:other` });
        await queue.enqueue(queue.db, { type, payload: {}, tenant: null });
        await queue.enqueue(queue.db, { type, payload: {}, tenant: null });
        assert.equal(await countOfType(type), 4);
      });
      it('enqueueMany inserts every job in one statement, skipping keys taken, and signals only for due work', async () => {
        const type = uniqueType('many');
        await queue.enqueue(queue.db, { type, payload: { n: 0 }, tenant: null, dedupeKey: `${type}:1` });
        let signals = 0;
        await sleep(50); // signals of earlier enqueues (SQLite delivers them on a later turn) go first
        const unsubscribe = await queue.subscribe(() => signals++);
        try {
          // All for later: stored, no wake-up.
          await queue.db.transaction().execute((trx) =>
            queue.enqueueMany(
              trx,
              [1, 2, 3].map((n) => ({
                type,
                payload: { n },
                tenant: null,
                runAt: T0 + 3_600_000 * n,
                dedupeKey: `${type}:${n}`,
              })),
            ),
          );
          assert.equal(await countOfType(type), 3, 'the key taken before is skipped, the others stored');
          await sleep(150);
          assert.equal(signals, 0, 'nothing is due: no signal');
          await queue.enqueueMany(queue.db, [
            { type, payload: { n: 4 }, tenant: null },
            { type, payload: { n: 5 }, tenant: null, runAt: T0 + 60_000 },
          ]);
          assert.equal(await countOfType(type), 5);
          await waitFor('a signal for due work', () => signals > 0, 1000);
        } finally {
          await unsubscribe();
        }
      });
    });

    describe('claim', () => {
      it('claims only due jobs of the given types, earliest run time first, and counts the attempt', async () => {
        clock.set(T0);
        const type = uniqueType('claim');
        const other = uniqueType('claim-other');
        const enqueue = (t: string, runAt: number) =>
          queue.enqueue(queue.db, { type: t, payload: {}, tenant: null, runAt });
        const late = await enqueue(type, T0 - 1000);
        const earliest = await enqueue(type, T0 - 3000);
        const middle = await enqueue(type, T0 - 2000);
        const future = await enqueue(type, T0 + 5000);
        const otherType = await enqueue(other, T0 - 9000);

        const firstTwo = await queue.claim('w1', 2, LONG_LEASE, [type]);
        assert.deepEqual(firstTwo.map((j) => j.id).sort(), [earliest.id, middle.id].sort());
        for (const job of firstTwo) {
          assert.equal(job.status, 'running');
          assert.equal(job.attempts, 1);
          assert.equal(job.locked_by, 'w1');
          assert.equal(job.locked_until, T0 + LONG_LEASE);
          assert.deepEqual(await queue.get(job.id), job);
        }

        const rest = await queue.claim('w2', 10, LONG_LEASE, [type]);
        assert.deepEqual(
          rest.map((j) => j.id),
          [late.id],
        );
        assert.deepEqual(await queue.claim('w2', 10, LONG_LEASE, [type]), []);
        assert.equal((await queue.get(future.id))?.status, 'queued');
        assert.equal((await queue.get(otherType.id))?.status, 'queued');

        // Due exactly at its run time.
        clock.set(T0 + 5000);
        const due = await queue.claim('w2', 10, LONG_LEASE, [type, 'another.type']);
        assert.deepEqual(
          due.map((j) => j.id),
          [future.id],
        );
        clock.set(T0);
        assert.deepEqual(await queue.claim('w2', 0, LEASE, [other]), []);
        assert.deepEqual(await queue.claim('w2', 5, LEASE, []), []);
      });

      it('a claimed job is not claimed again while its lease holds, and is once it expired', async () => {
        clock.set(T0);
        const type = uniqueType('lease');
        const job = await queue.enqueue(queue.db, { type, payload: {}, tenant: null });
        const [claimed] = await queue.claim('a', 1, LEASE, [type]);
        assert.equal(claimed?.id, job.id);
        assert.equal(await queue.holds('a', job.id), true);
        assert.equal(await queue.holds('b', job.id), false);

        assert.deepEqual(await queue.claim('b', 10, LEASE, [type]), []);
        clock.set(T0 + LEASE);
        assert.deepEqual(
          await queue.claim('b', 10, LEASE, [type]),
          [],
          'the lease holds up to its last millisecond',
        );
        assert.equal(await queue.holds('a', job.id), false, 'an expired lease is not held');

        clock.set(T0 + LEASE + 1);
        const [again] = await queue.claim('b', 10, LEASE, [type]);
        assert.equal(again?.id, job.id);
        assert.equal(again?.attempts, 2);
        assert.equal(again?.locked_by, 'b');
        assert.equal(again?.locked_until, T0 + 2 * LEASE + 1);
        assert.equal(await queue.holds('b', job.id), true);
        clock.set(T0);
      });

      it('extend keeps the lease of its holder only', async () => {
        clock.set(T0);
        const type = uniqueType('extend');
        const job = await queue.enqueue(queue.db, { type, payload: {}, tenant: null });
        await queue.claim('a', 1, LEASE, [type]);
        clock.set(T0 + 900);
        await queue.extend('b', [job.id], LEASE);
        assert.equal((await queue.get(job.id))?.locked_until, T0 + LEASE);
        await queue.extend('a', [job.id], LEASE);
        assert.equal((await queue.get(job.id))?.locked_until, T0 + 900 + LEASE);
        clock.set(T0 + 1500);
        assert.deepEqual(await queue.claim('b', 1, LEASE, [type]), []);
        clock.set(T0);
      });

      it('a heartbeat passes over a job its own transaction holds instead of waiting (no deadlock)', async (t) => {
        if (!runtime.db.capabilities.supportsSkipLocked) {
          t.skip('one writer at a time: no row locks to wait on');
          return;
        }
        clock.set(T0);
        const type = uniqueType('heartbeat');
        const held = await queue.enqueue(queue.db, { type, payload: {}, tenant: null });
        const free = await queue.enqueue(queue.db, { type, payload: {}, tenant: null });
        assert.equal((await queue.claim('a', 2, LEASE, [type])).length, 2);
        clock.set(T0 + 900);
        // A transaction (a publish batch settling its jobs, say) holds one of the two rows.
        let release!: () => void;
        let locked!: () => void;
        const isLocked = new Promise<void>((resolve) => (locked = resolve));
        const transaction = queue.db.transaction().execute(async (trx) => {
          await sql`select id from jobs where id = ${held.id} for update`.execute(trx);
          locked();
          await new Promise<void>((resolve) => (release = resolve));
        });
        await isLocked;
        const outcome = await Promise.race([
          queue.extend('a', [held.id, free.id], LEASE).then(() => 'extended'),
          sleep(3000).then(() => 'still waiting'),
        ]);
        release();
        await transaction;
        assert.equal(outcome, 'extended');
        assert.equal((await queue.get(free.id))?.locked_until, T0 + 900 + LEASE);
        assert.equal(
          (await queue.get(held.id))?.locked_until,
          T0 + LEASE,
          'the held row is left to its transaction',
        );
        await queue.extend('a', [held.id, free.id], LEASE);
        assert.equal(
          (await queue.get(held.id))?.locked_until,
          T0 + 900 + LEASE,
          'the next heartbeat extends it',
        );
        clock.set(T0);
      });
    });

    describe('guarded state changes', () => {
      it('a worker whose lease expired and was taken over cannot complete, retry, fail or release the job', async () => {
        clock.set(T0);
        const type = uniqueType('stale');
        const job = await queue.enqueue(queue.db, { type, payload: {}, tenant: null });
        await queue.claim('a', 1, LEASE, [type]);
        clock.set(T0 + LEASE + 1);
        await queue.claim('b', 1, LEASE, [type]);
        const before = await queue.get(job.id);

        assert.equal(await queue.complete(queue.db, 'a', job.id, { late: true }), false);
        assert.equal(await queue.retry(queue.db, 'a', job.id, T0, 'late'), false);
        assert.equal(await queue.fail(queue.db, 'a', job.id, 'late'), false);
        await queue.release('a', [job.id]);
        assert.deepEqual(await queue.get(job.id), before);

        assert.equal(await queue.complete(queue.db, 'b', job.id, { ok: 1 }), true);
        const done = await queue.get(job.id);
        assert.equal(done?.status, 'succeeded');
        assert.equal(done?.result, JSON.stringify({ ok: 1 }));
        assert.equal(done?.locked_by, null);
        assert.equal(done?.finished_at, T0 + LEASE + 1);
        // Finished is final.
        assert.equal(await queue.complete(queue.db, 'b', job.id, { again: 1 }), false);
        assert.equal(await queue.fail(queue.db, 'b', job.id, 'again'), false);
        clock.set(T0);
      });

      it('retry puts the job back at its run time, fail is the dead state, release does not count the attempt', async () => {
        clock.set(T0);
        const type = uniqueType('states');
        const a = await queue.enqueue(queue.db, { type, payload: {}, tenant: null });
        const b = await queue.enqueue(queue.db, { type, payload: {}, tenant: null });
        const c = await queue.enqueue(queue.db, { type, payload: {}, tenant: null });
        await queue.claim('w', 3, LEASE, [type]);

        assert.equal(await queue.retry(queue.db, 'w', a.id, T0 + 30_000, 'try later'), true);
        assert.deepEqual(
          { ...(await queue.get(a.id)) },
          {
            ...a,
            status: 'queued',
            attempts: 1,
            run_at: T0 + 30_000,
            last_error: 'try later',
          },
        );
        assert.equal(await queue.nextRunAt([type]), T0 + 30_000);

        assert.equal(await queue.fail(queue.db, 'w', b.id, 'gave up', { code: 'x' }), true);
        const failed = await queue.get(b.id);
        assert.equal(failed?.status, 'failed');
        assert.equal(failed?.last_error, 'gave up');
        assert.equal(failed?.result, JSON.stringify({ code: 'x' }));
        assert.equal(failed?.finished_at, T0);

        await queue.release('w', [c.id]);
        assert.deepEqual(await queue.get(c.id), c, 'released: as it was before the claim');
        assert.equal(await queue.nextRunAt([type]), T0);
      });
    });

    describe('reapExpired', () => {
      it('fails a running job whose lease expired on its last attempt, and only such jobs', async () => {
        clock.set(T0);
        const type = uniqueType('reap');
        const last = await queue.enqueue(queue.db, { type, payload: {}, tenant: null, maxAttempts: 2 });
        const hasAttemptsLeft = await queue.enqueue(queue.db, {
          type,
          payload: {},
          tenant: null,
          maxAttempts: 3,
        });
        await queue.claim('a', 2, LEASE, [type]);
        clock.set(T0 + LEASE + 1);
        assert.equal((await queue.claim('b', 2, LEASE, [type])).length, 2);
        // Both attempts of `last` were used; its lease still holds: nothing to reap yet.
        assert.equal(await queue.reapExpired(), 0);

        clock.set(T0 + 2 * LEASE + 2);
        // The expired job on its last attempt is not claimed again; the other one is.
        const reclaimed = await queue.claim('c', 10, LEASE, [type]);
        assert.deepEqual(
          reclaimed.map((j) => j.id),
          [hasAttemptsLeft.id],
        );
        assert.equal(await queue.reapExpired(), 1);
        const dead = await queue.get(last.id);
        assert.equal(dead?.status, 'failed');
        assert.equal(dead?.attempts, 2);
        assert.match(dead?.last_error ?? '', /lease expired/);
        assert.equal(dead?.locked_by, null);
        assert.equal(dead?.finished_at, T0 + 2 * LEASE + 2);
        assert.equal((await queue.get(hasAttemptsLeft.id))?.status, 'running');
        assert.equal(await queue.reapExpired(), 0);
        clock.set(T0);
      });

      it('runs the dead-letter callback in the transaction that fails the job', async () => {
        clock.set(T0);
        const type = uniqueType('reap-dead-letter');
        const job = await queue.enqueue(queue.db, { type, payload: {}, tenant: null, maxAttempts: 1 });
        await queue.claim('a', 1, LEASE, [type]);
        clock.set(T0 + LEASE + 1);

        // A failing callback rolls the reaping back: the job is reaped again later.
        await assert.rejects(
          queue.reapExpired({
            types: [type],
            onDead: async (trx, row) => {
              await trx.updateTable('jobs').set({ progress: 'touched' }).where('id', '=', row.id).execute();
              throw new Error('dead letter store down');
            },
          }),
          /dead letter store down/,
        );
        const stillRunning = await queue.get(job.id);
        assert.equal(stillRunning?.status, 'running');
        assert.equal(stillRunning?.progress, null);

        const seen: string[] = [];
        assert.equal(
          await queue.reapExpired({ types: ['not.this.type'], onDead: async () => void seen.push('x') }),
          0,
        );
        assert.equal(
          await queue.reapExpired({
            types: [type],
            onDead: async (trx, row) => {
              assert.equal(row.status, 'failed');
              seen.push(row.id);
              const inTrx = await trx
                .selectFrom('jobs')
                .select('status')
                .where('id', '=', row.id)
                .executeTakeFirst();
              assert.equal(inTrx?.status, 'failed');
            },
          }),
          1,
        );
        assert.deepEqual(seen, [job.id]);
        assert.equal((await queue.get(job.id))?.status, 'failed');
        clock.set(T0);
      });
    });

    describe('notifications', () => {
      it('enqueue signals subscribers (across connections on PostgreSQL)', async () => {
        let signals = 0;
        const unsubscribe = await queue.subscribe(() => signals++);
        try {
          await queue.enqueue(queue.db, { type: uniqueType('notify'), payload: {}, tenant: null });
          await waitFor('a notification', () => signals > 0, 1000);
        } finally {
          await unsubscribe();
        }
        const seen = signals;
        await queue.enqueue(queue.db, { type: uniqueType('notify'), payload: {}, tenant: null });
        await sleep(100);
        assert.equal(signals, seen, 'no signal after unsubscribing');
      });

      it(
        'a notification sent inside a transaction is delivered only after commit, and never after rollback',
        {
          skip:
            dialect === 'sqlite'
              ? 'SQLite signals in-process; its single connection serializes the claim after the commit'
              : false,
        },
        async () => {
          let signals = 0;
          const unsubscribe = await queue.subscribe(() => signals++);
          try {
            await queue.db.transaction().execute(async (trx) => {
              await queue.enqueue(trx, { type: uniqueType('notify-trx'), payload: {}, tenant: null });
              await sleep(300);
              assert.equal(signals, 0, 'not delivered before commit');
            });
            await waitFor('the notification after commit', () => signals === 1, 1000);

            await assert.rejects(
              queue.db.transaction().execute(async (trx) => {
                await queue.enqueue(trx, { type: uniqueType('notify-trx'), payload: {}, tenant: null });
                throw new Error('rollback');
              }),
              /rollback/,
            );
            await sleep(300);
            assert.equal(signals, 1, 'a rolled-back transaction notifies nobody');
          } finally {
            await unsubscribe();
          }
        },
      );

      it(
        'the listener reconnects after losing its connection, even when the first reconnection fails',
        {
          skip: dialect === 'sqlite' ? 'no connection to lose' : false,
          timeout: 15_000,
        },
        async () => {
          // A TCP proxy in front of PostgreSQL that can cut connections and refuse new ones.
          const target = new URL(process.env.TEST_DATABASE_URL!);
          const sockets = new Set<net.Socket>();
          const proxy = net.createServer((client) => {
            const upstream = net.connect(Number(target.port || 5432), target.hostname);
            for (const s of [client, upstream]) {
              sockets.add(s);
              s.on('error', () => undefined);
              s.on('close', () => {
                sockets.delete(s);
                client.destroy();
                upstream.destroy();
              });
            }
            client.pipe(upstream).pipe(client);
          });
          await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
          const port = (proxy.address() as net.AddressInfo).port;
          const proxied = new URL(target);
          proxied.hostname = '127.0.0.1';
          proxied.port = String(port);
          const handle = openPostgres({ url: proxied.toString(), poolSize: 1, schema: database.schema });

          let signals = 0;
          const unsubscribe = await handle.notifier.subscribe(QUEUE_CHANNEL, () => signals++);
          try {
            await runtime.db.notifier.notify(queue.db, QUEUE_CHANNEL);
            await waitFor('a notification through the proxy', () => signals === 1, 1000);

            // Cut the LISTEN connection and refuse connections for longer than the first retry.
            await new Promise<void>((resolve) => {
              proxy.close(() => resolve());
              for (const s of sockets) s.destroy();
            });
            await waitFor('the signal sent on losing the connection', () => signals === 2, 1000);
            await sleep(2500);
            await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve));

            // Listening again; the listener is signalled on reconnection (work may have arrived meanwhile).
            await waitFor('the signal sent on reconnecting', () => signals >= 3, 5000);
            const before = signals;
            await runtime.db.notifier.notify(queue.db, QUEUE_CHANNEL);
            await waitFor('a notification after reconnecting', () => signals === before + 1, 1000);
          } finally {
            await unsubscribe();
            await handle.destroy();
            for (const s of sockets) s.destroy();
            await new Promise((resolve) => proxy.close(resolve));
          }
        },
      );
    });
  });
}
