import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../config/index.js';

/** The mail settings: AUDENCI_SMTP_URL, AUDENCI_MAIL_FROM, AUDENCI_SMTP_TIMEOUT_MS. */

function rejects(env: Record<string, string>, variable: string, problem: RegExp): string {
  let caught: unknown;
  try {
    loadConfig(env);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError for ${JSON.stringify(env)}`);
  assert.equal(caught.variable, variable);
  assert.match(caught.message, problem);
  assert.ok(!caught.message.includes('\n'), 'one line');
  return caught.message;
}

describe('mail configuration', () => {
  it('sends nothing by default, from Audenci at the public URL host, with a 10 s timeout', () => {
    assert.deepEqual(loadConfig({}).mail, {
      smtp: undefined,
      from: { name: 'Audenci', address: 'no-reply@localhost' },
      timeoutMs: 10_000,
    });
    const hosted = loadConfig({ AUDENCI_PUBLIC_URL: 'https://app.audenci.com' });
    assert.deepEqual(hosted.mail.from, { name: 'Audenci', address: 'no-reply@app.audenci.com' });
    for (const ip of ['http://127.0.0.1:3000', 'http://[::1]:3000']) {
      assert.equal(loadConfig({ AUDENCI_PUBLIC_URL: ip }).mail.from.address, 'no-reply@localhost');
    }
  });

  it('reads smtp:// and smtps:// URLs, with percent-encoded credentials and default ports', () => {
    const smtps = loadConfig({
      AUDENCI_SMTP_URL: 'smtps://apikey:s%40cr%3At%2Fx@smtp.example.com',
    }).mail.smtp;
    assert.deepEqual(smtps, {
      host: 'smtp.example.com',
      port: 465,
      secure: true,
      user: 'apikey',
      password: 's@cr:t/x',
    });
    assert.deepEqual(loadConfig({ AUDENCI_SMTP_URL: 'smtp://relay.internal/' }).mail.smtp, {
      host: 'relay.internal',
      port: 587,
      secure: false,
      user: undefined,
      password: undefined,
    });
    const custom = loadConfig({ AUDENCI_SMTP_URL: 'smtp://u:p@[::1]:2525' }).mail.smtp;
    assert.equal(custom?.host, '::1');
    assert.equal(custom?.port, 2525);
    assert.equal(loadConfig({ AUDENCI_SMTP_TIMEOUT_MS: '2500' }).mail.timeoutMs, 2500);
  });

  it('refuses SMTP URLs it cannot use, without printing the password', () => {
    const cases: [string, RegExp][] = [
      ['https://user:hunter2@smtp.example.com', /must use smtp:\/\/ or smtps:\/\//],
      ['smtp.example.com:587', /must use smtp:\/\/ or smtps:\/\//],
      ['not a url', /must look like smtp:\/\//],
      ['smtp://', /a host is required/],
      ['smtp://user:hunter2@', /must look like smtp:\/\//],
      ['smtp://user:hunter2@smtp.example.com/?pool=true', /no path or query/],
      ['smtp://user:hunter2@smtp.example.com/relay', /no path or query/],
      ['smtp://:hunter2@smtp.example.com', /a password but no user/],
      ['smtp://user:hunter2%zz@smtp.example.com', /percent-encoded/],
      ['smtp://user:hunter2@smtp.example.com:0', /port 0/],
      ['smtp://user:hunter2@smtp.example.com:70000', /must look like smtp:\/\//],
    ];
    for (const [url, problem] of cases) {
      const message = rejects({ AUDENCI_SMTP_URL: url }, 'AUDENCI_SMTP_URL', problem);
      assert.ok(!message.includes('hunter2'), `the password is hidden: ${message}`);
    }
  });

  it('reads a sender with or without a name, and refuses anything else', () => {
    const from = (value: string) => loadConfig({ AUDENCI_MAIL_FROM: value }).mail.from;
    assert.deepEqual(from('team@acme.example'), { name: undefined, address: 'team@acme.example' });
    assert.deepEqual(from('Acme Social <team@acme.example>'), {
      name: 'Acme Social',
      address: 'team@acme.example',
    });
    assert.deepEqual(from('"Acme, Inc." <team@acme.example>'), {
      name: 'Acme, Inc.',
      address: 'team@acme.example',
    });
    for (const bad of [
      'not an address',
      'Acme <not an address>',
      'team@acme.example, eve@example.com',
      'team@acme.example\r\nBcc: eve@example.com',
      'Acme <team@acme.example',
      '<team@acme.example> trailing',
    ]) {
      rejects({ AUDENCI_MAIL_FROM: bad }, 'AUDENCI_MAIL_FROM', /must be an address/);
    }
  });

  it('bounds the timeout', () => {
    rejects({ AUDENCI_SMTP_TIMEOUT_MS: 'soon' }, 'AUDENCI_SMTP_TIMEOUT_MS', /whole number/);
    rejects({ AUDENCI_SMTP_TIMEOUT_MS: '10' }, 'AUDENCI_SMTP_TIMEOUT_MS', /between 100 and 600000/);
  });
});
