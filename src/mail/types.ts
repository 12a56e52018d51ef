/** One mail to one person. `html`, when given, is the alternative a mail client shows instead of `text`. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/**
 * What became of a mail. `not_configured`: no SMTP server is set (AUDENCI_SMTP_URL), nothing was sent
 * and the caller shows the link to an admin to pass on instead. A failed delivery is not a result but a
 * thrown `MailError`.
 */
export type MailResult =
  { delivered: true; messageId: string } | { delivered: false; reason: 'not_configured' };

export interface Mailer {
  /** False when every `send` answers `not_configured` (pages can say so before anyone tries). */
  readonly configured: boolean;
  /** Hands the mail to the SMTP server; throws `MailError` (transient or permanent) when it is refused. */
  send(message: MailMessage): Promise<MailResult>;
  /** Closes the pooled connections; mails being handed over finish first. Idempotent. */
  close(): Promise<void>;
}
