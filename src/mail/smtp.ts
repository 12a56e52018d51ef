import { createRequire } from 'node:module';
import type * as Nodemailer from 'nodemailer';
import type { MailConfig, SmtpConfig } from '../config/index.js';
import { isEmailAddress } from '../shared/mailbox.js';
import { MailError, type MailErrorKind } from './errors.js';
import type { Mailer, MailMessage, MailResult } from './types.js';

/**
 * Sends mail through one SMTP relay (AUDENCI_SMTP_URL) with nodemailer's pooled transport: a few
 * connections kept open for a short while, so that a burst of invitations does not open one each.
 * Every wait is bounded — connecting, the greeting, each answer by AUDENCI_SMTP_TIMEOUT_MS, a whole send
 * by `SEND_DEADLINE_FACTOR` times it — so a request that sends a mail never hangs on a stalled server.
 * Nothing here logs; the credentials go to nodemailer and nowhere else.
 */

/** A whole send (queueing, connecting, greeting, login, the message) may take this many timeouts. */
const SEND_DEADLINE_FACTOR = 3;

/** Codes of failures that sending again will not get past: a setting, an address, the credentials. */
const PERMANENT_CODES: ReadonlySet<string> = new Set([
  'EAUTH',
  'ENOAUTH',
  'ECONFIG',
  'EENVELOPE',
  'EMESSAGE',
  'EREQUIRETLS',
  'EMAXRECIPIENTS',
]);

/** Servers on this machine may see credentials without TLS (a local relay or a test server). */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** What nodemailer attaches to its errors (every field optional: socket errors carry only a code). */
interface SmtpFailure {
  code?: unknown;
  name?: unknown;
  originalCode?: unknown;
  responseCode?: unknown;
  response?: unknown;
}

/** RFC 5321: 5yz is a permanent refusal, except 503 (bad sequence), which a new session gets past. */
function kindOfReply(responseCode: number): MailErrorKind {
  return responseCode >= 500 && responseCode <= 599 && responseCode !== 503 ? 'permanent' : 'transient';
}

function firstLine(text: unknown): string {
  return typeof text === 'string' ? (text.split(/\r?\n/, 1)[0] ?? '').slice(0, 200) : '';
}

/** The mail library's failure as a `MailError`, worded for an operator; the password never appears. */
export function toMailError(error: unknown, smtp: SmtpConfig, timeoutMs: number): MailError {
  if (error instanceof MailError) return error;
  const failure: SmtpFailure = typeof error === 'object' && error !== null ? error : {};
  const code = typeof failure.code === 'string' ? failure.code : undefined;
  const responseCode = typeof failure.responseCode === 'number' ? failure.responseCode : undefined;
  const server = `The SMTP server ${smtp.host}:${smtp.port}`;
  let kind: MailErrorKind;
  let message: string;
  if (responseCode !== undefined) {
    kind = kindOfReply(responseCode);
    const what =
      code === 'EAUTH'
        ? 'refused the credentials'
        : kind === 'permanent'
          ? 'refused the mail'
          : 'deferred the mail';
    const reply = firstLine(failure.response) || String(responseCode);
    message = `${server} ${what}: ${reply}`;
  } else if (code === 'ETIMEDOUT' || code === 'EABORT' || failure.name === 'TimeoutError') {
    // A wait of the connection ran out, or the whole send's deadline did (its signal aborted it).
    kind = 'transient';
    message = `${server} did not answer in time (AUDENCI_SMTP_TIMEOUT_MS=${timeoutMs})`;
  } else if (code !== undefined && PERMANENT_CODES.has(code)) {
    kind = 'permanent';
    message = `${server} could not take the mail (${code})`;
  } else {
    kind = 'transient';
    const cause = typeof failure.originalCode === 'string' ? failure.originalCode : (code ?? 'unknown error');
    message = `${server} could not be reached (${cause})`;
  }
  if (smtp.password) message = message.split(smtp.password).join('[redacted]');
  return new MailError(kind, message, {
    ...(code !== undefined ? { code } : {}),
    ...(responseCode !== undefined ? { responseCode } : {}),
  });
}

export function createSmtpMailer(settings: MailConfig & { smtp: SmtpConfig }): Mailer {
  const { smtp, from, timeoutMs } = settings;
  // Loaded here, not at start-up: only a server with AUDENCI_SMTP_URL sends mail.
  const nodemailer = createRequire(import.meta.url)('nodemailer') as typeof Nodemailer;
  const transport = nodemailer.createTransport(
    {
      pool: true,
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      ...(smtp.user !== undefined ? { auth: { user: smtp.user, pass: smtp.password ?? '' } } : {}),
      // Credentials cross the network only encrypted: STARTTLS is required unless the relay is local.
      requireTLS: !smtp.secure && smtp.user !== undefined && !isLoopback(smtp.host),
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      dnsTimeout: timeoutMs,
      maxConnections: 2,
      // Invitations come in bursts with long pauses: an idle connection is not kept for minutes.
      idleTimeout: 30_000,
      // A message whose connection dropped is tried once more on a new one, not five times.
      maxRequeues: 1,
      logger: false,
      debug: false,
      // Our mails are text we compose: never a file path or a URL for nodemailer to read.
      disableFileAccess: true,
      disableUrlAccess: true,
    },
    { from: from.name === undefined ? from.address : { name: from.name, address: from.address } },
  );
  let closed: Promise<void> | undefined;
  /** Sends under way: close() lets them finish (each is bounded by its deadline). */
  const inFlight = new Set<Promise<MailResult>>();

  async function deliver(message: MailMessage): Promise<MailResult> {
    if (!isEmailAddress(message.to)) {
      throw new MailError('permanent', 'The recipient is not an email address', { code: 'EENVELOPE' });
    }
    try {
      const info = await transport.sendMail({
        to: message.to,
        // A header: line breaks a caller let through would only be folded away, so fold them here.
        subject: message.subject.replace(/\s+/g, ' ').trim(),
        text: message.text,
        ...(message.html !== undefined ? { html: message.html } : {}),
        signal: AbortSignal.timeout(timeoutMs * SEND_DEADLINE_FACTOR),
      });
      return { delivered: true, messageId: info.messageId };
    } catch (error) {
      throw toMailError(error, smtp, timeoutMs);
    }
  }

  return {
    configured: true,
    send(message) {
      if (closed) {
        return Promise.reject(new MailError('transient', 'The mailer is shut down', { code: 'ECLOSED' }));
      }
      const sending = deliver(message);
      inFlight.add(sending);
      const forget = () => inFlight.delete(sending);
      void sending.then(forget, forget);
      return sending;
    },
    close() {
      closed ??= Promise.allSettled([...inFlight]).then(() => {
        transport.close();
      });
      return closed;
    },
  };
}
