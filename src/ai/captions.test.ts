import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DRAFT_LIMITS, fitCaption } from './captions.js';

describe('fitCaption holds every draft to the documented bounds', () => {
  it('lists at most 30 hashtags where the platform sets no limit; the others lose their #', () => {
    const tags = Array.from({ length: 40 }, (_, i) => `#tag${String.fromCharCode(97 + (i % 26))}${i}`);
    const draft = fitCaption('facebook', `Spring is here ${tags.join(' ')}`)!;
    assert.equal(draft.hashtags.length, DRAFT_LIMITS.hashtags);
    assert.deepEqual(
      draft.hashtags,
      tags.slice(0, 30).map((t) => t.slice(1)),
    );
    assert.ok(
      draft.caption.endsWith(
        ` ${tags[29]} ${tags
          .slice(30)
          .map((t) => t.slice(1))
          .join(' ')}`,
      ),
    );
  });

  it('keeps a hashtag longer than 100 characters as a plain word', () => {
    const long = 'a'.repeat(101);
    const draft = fitCaption('facebook', `Hello #${long} #ok #${'b'.repeat(100)}`)!;
    assert.equal(draft.caption, `Hello ${long} #ok #${'b'.repeat(100)}`);
    assert.deepEqual(draft.hashtags, ['ok', 'b'.repeat(100)]);
  });

  it('bounds an X caption made of long links, though X counts each link as 23', () => {
    const links = Array.from({ length: 30 }, (_, i) => `https://example.com/${i}${'a'.repeat(4000)}`);
    const draft = fitCaption('twitter', links.join(' '))!;
    assert.ok([...draft.caption].length <= DRAFT_LIMITS.caption);
    assert.ok(draft.caption.startsWith(`${links[0]} ${links[1]} `));
    assert.ok(draft.caption.endsWith('…'));
  });
});
