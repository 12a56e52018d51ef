/**
 * How the retention sweeps delete: a batch at a time, so no statement holds the database long.
 * `read(after)` answers, in key order, the keys of at most `size` rows after `after` (`''` at first) and,
 * among them, the ones to delete; `remove` deletes those and answers how many went. The sweep stops at
 * the first short batch. Answers how many rows were deleted in all.
 */
export async function deleteInBatches(
  size: number,
  read: (after: string) => Promise<{ keys: string[]; doomed: string[] }>,
  remove: (keys: string[]) => Promise<number>,
): Promise<number> {
  let deleted = 0;
  let after = '';
  for (;;) {
    const { keys, doomed } = await read(after);
    if (doomed.length > 0) deleted += await remove(doomed);
    if (keys.length < size) return deleted;
    after = keys.at(-1)!;
  }
}
