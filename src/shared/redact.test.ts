import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactUrl } from './redact.js';

describe('redactUrl', () => {
  it('hides the value of every secret query parameter, whatever its case or encoding', () => {
    assert.equal(
      redactUrl('/api/v1/media/med_1/content?expires=1767225600&signature=abc_DEF-123'),
      '/api/v1/media/med_1/content?expires=1767225600&signature=[redacted]',
    );
    assert.equal(
      redactUrl('/cb?STATE=s1&Code=c1&%73ig=x&access%5Ftoken=t&X-Amz-Signature=f00&page=2'),
      '/cb?STATE=[redacted]&Code=[redacted]&%73ig=[redacted]&access%5Ftoken=[redacted]&X-Amz-Signature=[redacted]&page=2',
    );
    // A name given twice, an empty value, a bare name.
    assert.equal(
      redactUrl('/x?token=a&token=b&code=&state'),
      '/x?token=[redacted]&token=[redacted]&code=[redacted]&state=[redacted]',
    );
  });

  it('hides the token of an invitation or password-reset link in its path, not the action routes', () => {
    assert.equal(redactUrl('/auth/invitations/abc_DEF-123'), '/auth/invitations/[redacted]');
    assert.equal(redactUrl('/auth/password-reset/abc?x=1'), '/auth/password-reset/[redacted]?x=1');
    assert.equal(redactUrl('/auth/invitations/accept'), '/auth/invitations/accept');
    assert.equal(redactUrl('/auth/password-reset/confirm'), '/auth/password-reset/confirm');
    assert.equal(redactUrl('/auth/invitations/accepted-token'), '/auth/invitations/[redacted]');
  });

  it('leaves everything else as it was', () => {
    for (const url of [
      '/api/v1/posts',
      '/api/v1/posts?status=DRAFT&limit=5',
      '/?',
      '/a?b=1#signature=2',
      '/a?%E0%A4%A=1',
    ]) {
      assert.equal(redactUrl(url), url);
    }
  });

  it('hides API keys anywhere, keeping their kind, and credentials before a host', () => {
    const key = `sk_prod_${'A'.repeat(38)}`;
    assert.equal(redactUrl(`/api/v1/brands?api_key=${key}`), '/api/v1/brands?api_key=sk_prod_[redacted]');
    assert.equal(redactUrl(`/api/v1/api-keys/${key}`), '/api/v1/api-keys/sk_prod_[redacted]');
    assert.equal(
      redactUrl('https://user:p%40ss@hooks.example.com/in?token=t1'),
      'https://[redacted]@hooks.example.com/in?token=[redacted]',
    );
  });
});
