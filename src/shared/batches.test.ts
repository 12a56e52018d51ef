import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deleteInBatches } from './batches.js';

test('deleteInBatches walks the keys after the last one read and stops at a short batch', async () => {
  const rows = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
  const kept = new Set(['c', 'f']);
  const reads: string[] = [];
  const removed: string[][] = [];
  const deleted = await deleteInBatches(
    3,
    async (after) => {
      reads.push(after);
      const keys = rows.filter((k) => k > after).slice(0, 3);
      return { keys, doomed: keys.filter((k) => !kept.has(k)) };
    },
    async (keys) => {
      removed.push(keys);
      return keys.length;
    },
  );
  assert.deepEqual(reads, ['', 'c', 'f']);
  assert.deepEqual(removed, [['a', 'b'], ['d', 'e'], ['g']]);
  assert.equal(deleted, 5);
});

test('deleteInBatches calls remove only for batches with something to delete', async () => {
  let removes = 0;
  const deleted = await deleteInBatches(
    2,
    async (after) => (after === '' ? { keys: ['a', 'b'], doomed: [] } : { keys: [], doomed: [] }),
    async () => {
      removes++;
      return 0;
    },
  );
  assert.equal(deleted, 0);
  assert.equal(removes, 0);
});
