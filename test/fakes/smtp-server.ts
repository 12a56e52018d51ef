/**
 * A local SMTP server (the `smtp-server` package) for mail tests: it captures every message it accepts —
 * the envelope, the headers, the text and HTML parts decoded — and can be told to require a login, to
 * refuse recipients with 550, or to turn every connection away with 421. No TLS: the mailer sends
 * credentials in clear only to a loopback server, which this is.
 *
 * ```ts
 * const smtp = await startFakeSmtpServer({ auth: { user: 'mailer', password: 's3cret' } });
 * // AUDENCI_SMTP_URL = smtp.url() → smtp://mailer:s3cret@127.0.0.1:<port>
 * const [mail] = await smtp.waitFor(1);
 * await smtp.close();
 * ```
 */
import net, { type AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface CapturedMail {
  /** The envelope: MAIL FROM and RCPT TO addresses. */
  envelope: { from: string | undefined; to: string[] };
  /** The user the client logged in as, if it did. */
  user: string | undefined;
  /** Header names in lower case, values unfolded and with encoded words decoded. */
  headers: Record<string, string>;
  subject: string | undefined;
  text: string | undefined;
  html: string | undefined;
  raw: string;
}

export interface FakeSmtpOptions {
  /** Require a login with these credentials (PLAIN or LOGIN); without it no login is needed. */
  auth?: { user: string; password: string };
}

export interface FakeSmtpServer {
  readonly port: number;
  /** `smtp://[user:password@]127.0.0.1:<port>`, with the required credentials unless told otherwise. */
  url(credentials?: { user: string; password: string } | null): string;
  readonly messages: CapturedMail[];
  /** RCPT TO this address is answered `550 Mailbox unavailable`. */
  rejectRecipient(address: string): void;
  /** While on, every new connection is greeted with `421` and closed. */
  refuseConnections(on: boolean): void;
  /** How many connections were made so far. */
  readonly connections: number;
  /** The messages, once there are at least `count`. */
  waitFor(count: number, timeoutMs?: number): Promise<CapturedMail[]>;
  close(): Promise<void>;
}

function smtpError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}

export async function startFakeSmtpServer(options: FakeSmtpOptions = {}): Promise<FakeSmtpServer> {
  const messages: CapturedMail[] = [];
  const rejected = new Set<string>();
  const waiters = new Set<() => void>();
  let refusing = false;
  let connections = 0;
  const server = new SMTPServer({
    logger: false,
    disableReverseLookup: true,
    disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !options.auth,
    allowInsecureAuth: true,
    closeTimeout: 200,
    onConnect(_session, callback) {
      connections++;
      callback(refusing ? smtpError(421, 'Service not available, try again later') : null);
    },
    onAuth(auth, _session, callback) {
      const expected = options.auth;
      if (expected && auth.username === expected.user && auth.password === expected.password) {
        callback(null, { user: auth.username });
      } else {
        callback(smtpError(535, 'Authentication credentials invalid'));
      }
    },
    onRcptTo(address, _session, callback) {
      callback(rejected.has(address.address.toLowerCase()) ? smtpError(550, 'Mailbox unavailable') : null);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const parsed = parseMessage(raw);
        messages.push({
          envelope: {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
            to: session.envelope.rcptTo.map((r) => r.address),
          },
          user: typeof session.user === 'string' ? session.user : undefined,
          headers: parsed.headers,
          subject: parsed.headers.subject,
          text: parsed.text,
          html: parsed.html,
          raw,
        });
        for (const wake of waiters) wake();
        callback(null);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    url(credentials = options.auth ?? null) {
      const login = credentials
        ? `${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@`
        : '';
      return `smtp://${login}127.0.0.1:${port}`;
    },
    messages,
    rejectRecipient: (address) => rejected.add(address.toLowerCase()),
    refuseConnections(on) {
      refusing = on;
    },
    get connections() {
      return connections;
    },
    waitFor(count, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (messages.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(messages.slice());
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} mail(s), got ${messages.length}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A TCP server that accepts connections and never says a word: an SMTP server that hangs. */
export async function startSilentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback port nothing listens on (it was free a moment ago): connecting is refused. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// --- A small MIME reader: enough for what nodemailer writes (multipart, base64, quoted-printable). ---

interface Part {
  headers: Record<string, string>;
  body: string;
}

function splitPart(raw: string): Part {
  const end = raw.search(/\r?\n\r?\n/);
  const head = end === -1 ? raw : raw.slice(0, end);
  const body = end === -1 ? '' : raw.slice(end).replace(/^\r?\n\r?\n/, '');
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) {
      headers[line.slice(0, colon).trim().toLowerCase()] = decodeWords(line.slice(colon + 1).trim());
    }
  }
  return { headers, body };
}

function bytesOfQuoted(text: string, underscoreIsSpace: boolean): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text.slice(i + 1, i + 3);
    if (text[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (underscoreIsSpace && text[i] === '_') {
      bytes.push(0x20);
    } else {
      bytes.push(...Buffer.from(text[i]!, 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

/** RFC 2047 encoded words (`=?UTF-8?Q?…?=`, `=?UTF-8?B?…?=`); the space between two of them goes. */
function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(
      /=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g,
      (_match, _charset: string, encoding: string, data: string) =>
        encoding.toUpperCase() === 'B'
          ? Buffer.from(data, 'base64').toString('utf8')
          : bytesOfQuoted(data, true).toString('utf8'),
    );
}

function decodeBody(part: Part): string {
  const encoding = (part.headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  const decoded =
    encoding === 'base64'
      ? Buffer.from(part.body.replace(/\s+/g, ''), 'base64').toString('utf8')
      : encoding === 'quoted-printable'
        ? bytesOfQuoted(part.body.replace(/=\r?\n/g, ''), false).toString('utf8')
        : part.body;
  return decoded.replace(/\r\n/g, '\n');
}

function parseMessage(raw: string): { headers: Record<string, string>; text?: string; html?: string } {
  const out: { text?: string; html?: string } = {};
  const walk = (part: Part) => {
    const type = part.headers['content-type'] ?? 'text/plain';
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
    if (/^multipart\//i.test(type) && boundary) {
      const sections = part.body.split(`--${boundary}`).slice(1);
      for (const section of sections) {
        if (section.startsWith('--')) break;
        walk(splitPart(section.replace(/^\r?\n/, '')));
      }
    } else if (/^text\/html/i.test(type)) out.html ??= decodeBody(part);
    else if (/^text\/plain/i.test(type)) out.text ??= decodeBody(part);
  };
  const top = splitPart(raw);
  walk(top);
  return { headers: top.headers, ...out };
}
