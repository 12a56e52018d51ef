import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeExpiry, escapeHtml, invitationMail, passwordResetMail } from './templates.js';

const NOW = new Date('2026-12-06T12:00:00Z');

function invitation(overrides: Partial<Parameters<typeof invitationMail>[0]> = {}) {
  return invitationMail({
    organizationName: 'Acme Social',
    inviterName: 'Bob Martin',
    role: 'editor',
    acceptUrl: 'https://app.audenci.com/invitations/inv_123?token=abc',
    expiresAt: new Date('2026-12-13T12:00:00Z'),
    now: NOW,
    ...overrides,
  });
}

describe('mail templates', () => {
  it('invites with the organization, the inviter, the role, the link and the expiry', () => {
    const mail = invitation();
    assert.equal(mail.subject, 'Bob Martin invited you to Acme Social on Audenci');
    for (const body of [mail.text, mail.html]) {
      assert.match(body, /Bob Martin invited you to join/);
      assert.match(body, /as an editor: you will create, schedule and publish content/);
      assert.match(body, /expires in 7 days \(13 December 2026/);
      assert.match(body, /ignore this email/);
    }
    assert.match(
      mail.text,
      /^Accept the invitation:\nhttps:\/\/app\.audenci\.com\/invitations\/inv_123\?token=abc$/m,
    );
    assert.match(mail.html, /<a href="https:\/\/app\.audenci\.com\/invitations\/inv_123\?token=abc"/);
    assert.match(mail.html, /<html lang="en">/);
    assert.match(mail.html, /<title>Bob Martin invited you to Acme Social on Audenci<\/title>/);
    assert.match(invitation({ role: 'admin' }).text, /as an admin: you will manage members/);
    assert.match(invitation({ role: 'auditor' }).text, /as an auditor\./);
  });

  it('escapes every value in the HTML', () => {
    const mail = invitation({
      organizationName: '<script>alert(1)</script>',
      inviterName: 'Eve "the" <b>Bold</b> & co',
    });
    assert.ok(!mail.html.includes('<script>'), 'no script element');
    assert.ok(!mail.html.includes('<b>'), 'no markup from a name');
    assert.match(mail.html, /<strong>&lt;script&gt;alert\(1\)&lt;\/script&gt;<\/strong>/);
    assert.match(mail.html, /Eve &quot;the&quot; &lt;b&gt;Bold&lt;\/b&gt; &amp; co invited you/);
    // The text version is not HTML: the names stay as they are.
    assert.match(mail.text, /Eve "the" <b>Bold<\/b> & co invited you to join <script>alert\(1\)<\/script>/);
    assert.equal(
      escapeHtml(`<a href="x" title='y'>&</a>`),
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('folds line breaks out of names, so the subject stays one header line', () => {
    const mail = invitation({ organizationName: 'Acme\r\nBcc: eve@example.com', inviterName: 'Bob\n' });
    assert.equal(mail.subject, 'Bob invited you to Acme Bcc: eve@example.com on Audenci');
    assert.ok(!/[\r\n]/.test(mail.subject));
  });

  it('refuses a link that is not http(s)', () => {
    assert.throws(() => invitation({ acceptUrl: 'javascript:alert(1)' }), /must be http\(s\)/);
    assert.throws(
      () => passwordResetMail({ resetUrl: 'data:text/html,hi', expiresAt: NOW, now: NOW }),
      /must be http\(s\)/,
    );
  });

  it('resets a password with the link, the expiry and what to do if it was not you', () => {
    const mail = passwordResetMail({
      resetUrl: 'https://app.audenci.com/reset?token=t0k',
      expiresAt: new Date('2026-12-06T13:00:00Z'),
      now: NOW,
    });
    assert.equal(mail.subject, 'Reset your Audenci password');
    for (const body of [mail.text, mail.html]) {
      assert.match(body, /expires in 60 minutes \(6 December 2026/);
      assert.match(body, /If it was not you, ignore this email: your password stays as it is/);
    }
    assert.match(mail.text, /^Choose a new password:\nhttps:\/\/app\.audenci\.com\/reset\?token=t0k$/m);
    assert.match(mail.html, /href="https:\/\/app\.audenci\.com\/reset\?token=t0k"/);
  });

  it('describes an expiry in minutes, hours or days, and in UTC', () => {
    const at = (ms: number) => describeExpiry(new Date(NOW.getTime() + ms), NOW);
    assert.match(at(30_000), /^in 1 minute \(/);
    assert.match(at(90 * 60_000), /^in 90 minutes \(/);
    assert.match(at(24 * 3_600_000), /^in 24 hours \(/);
    assert.match(at(3 * 86_400_000), /^in 3 days \(9 December 2026 at 12:00 UTC\)$/);
  });
});
