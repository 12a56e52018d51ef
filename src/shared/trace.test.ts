import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { currentTrace, newTrace, openTrace, outboundTraceparent, runInTrace } from './trace.js';

describe('trace scopes', () => {
  it('each piece of work sees its own trace while others run, and none once all have ended', async () => {
    const [a, b] = [newTrace(), newTrace()];
    const seen: string[] = [];
    const first = openTrace(a);
    const second = openTrace(b);
    await Promise.all([
      first.run(async () => {
        await sleep(5);
        seen.push(currentTrace()!.traceId);
        first.end();
      }),
      second.run(async () => {
        await sleep(15);
        // The other trace ended meanwhile: this one is still in force.
        seen.push(currentTrace()!.traceId);
        assert.match(outboundTraceparent()!, new RegExp(`^00-${b.traceId}-${b.spanId}-01$`));
        second.end();
      }),
    ]);
    assert.deepEqual(seen, [a.traceId, b.traceId]);
    assert.equal(currentTrace(), undefined);
    assert.equal(outboundTraceparent(), undefined);
    second.end(); // ending twice changes nothing
    assert.equal(
      await runInTrace(a, async () => {
        await sleep(1);
        return currentTrace()?.traceId;
      }),
      a.traceId,
    );
    assert.equal(currentTrace(), undefined, 'runInTrace ends its trace when its promise settles');
  });

  it('an outbound call from work entered as not calling out throws (the check of tests)', () => {
    const scope = openTrace(newTrace(), false);
    try {
      assert.throws(() => scope.run(() => outboundTraceparent()), /without `config.outbound: true`/);
    } finally {
      scope.end();
    }
  });
});
