import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, it, mock } from 'node:test';
import { closedPort, startFakeSmtpServer, startSilentServer } from '../../test/fakes/smtp-server.js';
import { loadConfig } from '../config/index.js';
import { createMailer, invitationMail, MailError, mailRetryDecision, type Mailer } from './index.js';

const CREDENTIALS = { user: 'mailer', password: 'p@ss:w/rd-hunter2' };
const TIMEOUT_MS = 400;
const mailers: Mailer[] = [];

function mailerFor(url: string | undefined): Mailer {
  const mailer = createMailer(
    loadConfig({
      ...(url !== undefined ? { AUDENCI_SMTP_URL: url } : {}),
      AUDENCI_MAIL_FROM: 'Audenci Test <no-reply@audenci.test>',
      AUDENCI_SMTP_TIMEOUT_MS: String(TIMEOUT_MS),
    }),
  );
  mailers.push(mailer);
  return mailer;
}

const MESSAGE = { to: 'ana@example.com', subject: 'Hello', text: 'Hi Ana' };

async function failure(promise: Promise<unknown>): Promise<MailError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof MailError, `a MailError, got ${String(error)}`);
    assert.ok(!error.message.includes(CREDENTIALS.password), 'the password never shows');
    return error;
  }
  assert.fail('expected the send to fail');
}

after(async () => {
  await Promise.all(mailers.map((m) => m.close()));
});

describe('the SMTP mailer', () => {
  it('delivers through a server that requires a login: sender, recipient, subject and both bodies', async (t) => {
    const smtp = await startFakeSmtpServer({ auth: CREDENTIALS });
    t.after(() => smtp.close());
    const mailer = mailerFor(smtp.url());
    assert.equal(mailer.configured, true);
    const result = await mailer.send({
      to: 'ana@example.com',
      subject: 'Déjà vu\r\nBcc: eve@example.com',
      text: 'Plain body — é',
      html: '<p>HTML body — é</p>',
    });
    assert.equal(result.delivered, true);
    const [mail] = await smtp.waitFor(1);
    assert.ok(mail && result.delivered);
    assert.equal(mail.user, CREDENTIALS.user);
    assert.deepEqual(mail.envelope, { from: 'no-reply@audenci.test', to: ['ana@example.com'] });
    assert.equal(mail.headers.from, 'Audenci Test <no-reply@audenci.test>');
    assert.equal(mail.headers.to, 'ana@example.com');
    assert.equal(mail.headers.bcc, undefined, 'a line break in the subject starts no header');
    assert.equal(mail.subject, 'Déjà vu Bcc: eve@example.com');
    assert.equal(mail.headers['message-id'], result.messageId);
    assert.equal(mail.text?.trim(), 'Plain body — é');
    assert.equal(mail.html?.trim(), '<p>HTML body — é</p>');
    assert.ok(!mail.raw.includes(CREDENTIALS.password));
  });

  it('keeps its connection for the next mail (pooled) and closes it on close()', async (t) => {
    const smtp = await startFakeSmtpServer();
    t.after(() => smtp.close());
    const mailer = mailerFor(smtp.url());
    const composed = invitationMail({
      organizationName: '<script>alert(1)</script>',
      inviterName: 'Bob',
      role: 'editor',
      acceptUrl: 'https://app.audenci.test/invitations/abc',
      expiresAt: new Date('2026-12-13T12:00:00Z'),
      now: new Date('2026-12-06T12:00:00Z'),
    });
    await mailer.send({ to: 'ana@example.com', ...composed });
    await mailer.send(MESSAGE);
    const [invitation] = await smtp.waitFor(2);
    assert.equal(smtp.connections, 1);
    assert.match(invitation!.html!, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.ok(!invitation!.html!.includes('<script>'));
    assert.match(invitation!.text!, /https:\/\/app\.audenci\.test\/invitations\/abc/);
    await mailer.close();
    await mailer.close();
    const closed = await failure(mailer.send(MESSAGE));
    assert.equal(closed.kind, 'transient');
  });

  it('sends nothing and touches no network without AUDENCI_SMTP_URL', async (t) => {
    const connect = t.mock.method(net.Socket.prototype, 'connect');
    const mailer = mailerFor(undefined);
    assert.equal(mailer.configured, false);
    assert.deepEqual(await mailer.send(MESSAGE), { delivered: false, reason: 'not_configured' });
    assert.equal(connect.mock.callCount(), 0);
    await mailer.close();
  });

  it('throws a permanent error when the server refuses the recipient (550)', async (t) => {
    const smtp = await startFakeSmtpServer({ auth: CREDENTIALS });
    t.after(() => smtp.close());
    smtp.rejectRecipient('gone@example.com');
    const error = await failure(mailerFor(smtp.url()).send({ ...MESSAGE, to: 'gone@example.com' }));
    assert.equal(error.kind, 'permanent');
    assert.equal(error.retryable, false);
    assert.equal(error.details.responseCode, 550);
    assert.deepEqual(mailRetryDecision(error), { retry: false });
    assert.equal(smtp.messages.length, 0);
  });

  it('throws a permanent error when the login is refused (535)', async (t) => {
    const smtp = await startFakeSmtpServer({ auth: CREDENTIALS });
    t.after(() => smtp.close());
    const wrong = { user: CREDENTIALS.user, password: 'not-the-password' };
    const error = await failure(mailerFor(smtp.url(wrong)).send(MESSAGE));
    assert.equal(error.kind, 'permanent');
    assert.equal(error.details.code, 'EAUTH');
    assert.equal(error.details.responseCode, 535);
    assert.match(error.message, /refused the credentials/);
    assert.ok(!error.message.includes(wrong.password));
  });

  it('throws a transient error when the server answers 421', async (t) => {
    const smtp = await startFakeSmtpServer();
    t.after(() => smtp.close());
    smtp.refuseConnections(true);
    const error = await failure(mailerFor(smtp.url()).send(MESSAGE));
    assert.equal(error.kind, 'transient');
    assert.equal(error.details.responseCode, 421);
    assert.deepEqual(mailRetryDecision(error), { retry: true });
  });

  it('throws a transient error at once when nothing listens on the port', async () => {
    const port = await closedPort();
    const started = Date.now();
    const error = await failure(mailerFor(`smtp://127.0.0.1:${port}`).send(MESSAGE));
    assert.equal(error.kind, 'transient');
    assert.match(error.message, /could not be reached/);
    assert.ok(Date.now() - started < TIMEOUT_MS * 3, 'within the timeout');
  });

  it('throws a transient error when a server that was up has stopped', async () => {
    const smtp = await startFakeSmtpServer();
    const mailer = mailerFor(smtp.url());
    await mailer.send(MESSAGE);
    await smtp.close();
    const error = await failure(mailer.send(MESSAGE));
    assert.equal(error.kind, 'transient');
  });

  it('gives up on a server that never greets within the timeout', async (t) => {
    const silent = await startSilentServer();
    t.after(() => silent.close());
    const started = Date.now();
    const error = await failure(mailerFor(`smtp://127.0.0.1:${silent.port}`).send(MESSAGE));
    const elapsed = Date.now() - started;
    assert.equal(error.kind, 'transient');
    assert.match(error.message, /did not answer in time/);
    assert.ok(elapsed >= TIMEOUT_MS - 50 && elapsed < TIMEOUT_MS * 3 + 500, `${elapsed} ms`);
  });

  it('refuses a recipient that is not one address, before any connection', async () => {
    const connect = mock.method(net.Socket.prototype, 'connect');
    try {
      const mailer = mailerFor('smtp://127.0.0.1:1');
      for (const to of ['ana@example.com, eve@example.com', 'ana@example.com\r\nBcc: eve@example.com', '']) {
        const error = await failure(mailer.send({ ...MESSAGE, to }));
        assert.equal(error.kind, 'permanent');
      }
      assert.equal(connect.mock.callCount(), 0);
    } finally {
      connect.mock.restore();
    }
  });
});
