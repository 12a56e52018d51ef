/**
 * The mails people get: an invitation to an organization and a password reset. Pure functions from
 * values to a subject, a plain-text body and a simple HTML alternative (one column, real text, a link
 * that reads as a button and the address spelled out for copying, colours with at least 7:1 contrast).
 * Every value is escaped in the HTML — an organization may well be named `<script>` — and line breaks
 * are folded out of the subject. Links must be http(s).
 */

export interface ComposedMail {
  subject: string;
  text: string;
  html: string;
}

export interface InvitationMailInput {
  organizationName: string;
  inviterName: string;
  /** The member role offered (`owner`, `admin`, `editor`, `viewer`); another name is shown as it is. */
  role: string;
  acceptUrl: string;
  expiresAt: Date;
  /** When the mail is composed (the clock's now), for "expires in 7 days". */
  now: Date;
}

export interface PasswordResetMailInput {
  resetUrl: string;
  expiresAt: Date;
  now: Date;
}

/** What each role may do, as the invitation explains it. */
const ROLE_SUMMARIES: Record<string, string> = {
  owner: 'you will have full control of the organization, its members and its settings',
  admin: 'you will manage members, API keys, webhooks and settings, and everything an editor does',
  editor: 'you will create, schedule and publish content and connect social accounts',
  viewer: 'you will see content, schedules and analytics without changing them',
};

/** A run of text in a paragraph; `strong` is shown in bold in the HTML version. */
type Segment = string | { strong: string };

interface MailParts {
  subject: string;
  heading: string;
  before: Segment[][];
  action: { label: string; url: string };
  after: Segment[][];
}

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** One line of text: a name with a line break in it would otherwise break the layout or a header. */
function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

function httpLink(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`A mail link must be http(s), got ${parsed.protocol}`);
  }
  return parsed.href;
}

const UTC_DATE = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'long',
  timeStyle: 'short',
  timeZone: 'UTC',
});

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

/** "in 7 days (13 December 2026 at 21:36 UTC)": relative for reading, absolute for certainty. */
export function describeExpiry(expiresAt: Date, now: Date): string {
  const minutes = Math.max(1, Math.round((expiresAt.getTime() - now.getTime()) / 60_000));
  const relative =
    minutes < 120
      ? plural(minutes, 'minute')
      : minutes < 48 * 60
        ? plural(Math.round(minutes / 60), 'hour')
        : plural(Math.round(minutes / 1440), 'day');
  return `in ${relative} (${UTC_DATE.format(expiresAt)} UTC)`;
}

function segmentText(segments: Segment[]): string {
  return segments.map((s) => (typeof s === 'string' ? s : s.strong)).join('');
}

function segmentHtml(segments: Segment[]): string {
  return segments
    .map((s) => (typeof s === 'string' ? escapeHtml(s) : `<strong>${escapeHtml(s.strong)}</strong>`))
    .join('');
}

const FONT = "-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
const PARAGRAPH = 'margin:0 0 16px;font-size:16px;line-height:1.5;';

function html(parts: MailParts): string {
  const paragraphs = (list: Segment[][]) =>
    list.map((p) => `<p style="${PARAGRAPH}">${segmentHtml(p)}</p>`).join('\n');
  const url = escapeHtml(parts.action.url);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(parts.subject)}</title>
</head>
<body style="margin:0;padding:24px 12px;background:#f4f4f5;color:#18181b;font-family:${FONT};">
<div role="article" aria-label="${escapeHtml(parts.subject)}" style="max-width:560px;margin:0 auto;padding:32px 24px;background:#ffffff;border-radius:8px;">
<h1 style="margin:0 0 16px;font-size:22px;line-height:1.3;">${escapeHtml(parts.heading)}</h1>
${paragraphs(parts.before)}
<p style="margin:24px 0;"><a href="${url}" style="display:inline-block;padding:12px 20px;background:#3730a3;color:#ffffff;border-radius:6px;font-size:16px;font-weight:600;text-decoration:none;">${escapeHtml(parts.action.label)}</a></p>
<p style="margin:0 0 16px;font-size:14px;line-height:1.5;color:#3f3f46;">If the button does not work, copy this address into your browser:<br><a href="${url}" style="color:#3730a3;word-break:break-all;">${url}</a></p>
${paragraphs(parts.after)}
<p style="margin:24px 0 0;font-size:14px;color:#3f3f46;">— Audenci</p>
</div>
</body>
</html>
`;
}

function text(parts: MailParts): string {
  return [
    ...parts.before.map(segmentText),
    `${parts.action.label}:\n${parts.action.url}`,
    ...parts.after.map(segmentText),
    '— Audenci',
  ].join('\n\n');
}

function compose(parts: MailParts): ComposedMail {
  return { subject: parts.subject, text: `${text(parts)}\n`, html: html(parts) };
}

function withArticle(word: string): string {
  return `${/^[aeiou]/i.test(word) ? 'an' : 'a'} ${word}`;
}

export function invitationMail(input: InvitationMailInput): ComposedMail {
  const organization = oneLine(input.organizationName);
  const inviter = oneLine(input.inviterName);
  const role = oneLine(input.role);
  const summary = ROLE_SUMMARIES[role];
  return compose({
    subject: `${inviter} invited you to ${organization} on Audenci`,
    heading: `Join ${organization} on Audenci`,
    before: [
      [
        `${inviter} invited you to join `,
        { strong: organization },
        ` as ${withArticle(role)}${summary ? `: ${summary}` : ''}.`,
      ],
      ['Audenci is where the team plans, publishes and measures its social media.'],
    ],
    action: { label: 'Accept the invitation', url: httpLink(input.acceptUrl) },
    after: [
      [`The invitation expires ${describeExpiry(input.expiresAt, input.now)}.`],
      [
        'If you did not expect it, you can ignore this email: nothing happens until the invitation is accepted.',
      ],
    ],
  });
}

export function passwordResetMail(input: PasswordResetMailInput): ComposedMail {
  return compose({
    subject: 'Reset your Audenci password',
    heading: 'Reset your password',
    before: [
      ['Someone asked to reset the password of the Audenci account for this address.'],
      ['To choose a new password, open the link below.'],
    ],
    action: { label: 'Choose a new password', url: httpLink(input.resetUrl) },
    after: [
      [`The link expires ${describeExpiry(input.expiresAt, input.now)}.`],
      [
        'If it was not you, ignore this email: your password stays as it is. If it keeps happening, tell an administrator of your organization.',
      ],
    ],
  });
}
