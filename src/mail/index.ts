import type { Config } from '../config/index.js';
import { createSmtpMailer } from './smtp.js';
import type { Mailer } from './types.js';

/**
 * Outbound mail (invitations, password resets), an adapter like src/platforms and src/ai: it reads the
 * configuration and knows nothing of people or organizations. Modules use only what this file exports;
 * the runtime creates one mailer and closes it on shutdown.
 */
export type { Mailer, MailMessage, MailResult } from './types.js';
export { MailError, mailRetryDecision, type MailErrorKind } from './errors.js';
export {
  invitationMail,
  passwordResetMail,
  type InvitationMailInput,
  type PasswordResetMailInput,
  type ComposedMail,
} from './templates.js';

/** Without AUDENCI_SMTP_URL: nothing leaves the process, and callers show the link to an admin. */
export const notConfiguredMailer: Mailer = {
  configured: false,
  send: () => Promise.resolve({ delivered: false, reason: 'not_configured' }),
  close: () => Promise.resolve(),
};

/** The SMTP mailer AUDENCI_SMTP_URL names, or the one that sends nothing when it is unset. */
export function createMailer(config: Pick<Config, 'mail'>): Mailer {
  const { smtp } = config.mail;
  return smtp ? createSmtpMailer({ ...config.mail, smtp }) : notConfiguredMailer;
}
