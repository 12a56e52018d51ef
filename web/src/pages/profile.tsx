import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Session } from '../api/auth';
import {
  changePassword,
  disableTwoFactor,
  enableTwoFactor,
  listSessions,
  revokeOtherSessions,
  revokeSession,
  setupTwoFactor,
  updateMe,
  type UserSession,
} from '../api/me';
import { toProblem } from '../api/problem';
import { sessionQuery } from '../api/session-query';
import { Badge } from '../components/badge';
import { ConfirmButton } from '../components/confirm-button';
import { CopyButton } from '../components/copy-button';
import { Field } from '../components/field';
import { Form, FormActions, FormAlert, SubmitButton } from '../components/form';
import { placeProblem } from '../components/form-problem';
import { QrImage } from '../components/qr-image';
import { formatDateTime, formatRelative } from '../components/format';
import { Empty, Loading, QueryView } from '../components/states';

const sessionsQuery = { queryKey: ['me', 'sessions'] as const, queryFn: listSessions };

function NameCard({ session }: { session: Session }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState(session.user.name);
  const [saved, setSaved] = useState(false);
  const mutation = useMutation({
    mutationFn: updateMe,
    onSuccess: (me) => {
      queryClient.setQueryData(sessionQuery.queryKey, (current: Session | null | undefined) =>
        current ? { ...current, user: me.user } : current,
      );
      void queryClient.invalidateQueries({ queryKey: ['me'] });
      setSaved(true);
    },
  });
  const { field, form } = placeProblem(mutation.error ? toProblem(mutation.error) : undefined, ['name']);
  const submit = () => {
    setSaved(false);
    mutation.mutate({ name: name.trim() });
  };
  return (
    <article className="card" aria-labelledby="profile-name-title">
      <h2 id="profile-name-title" className="card__title">
        Your details
      </h2>
      <Form onSubmit={submit} error={form}>
        <Field
          label="Name"
          name="name"
          autoComplete="name"
          required
          maxLength={200}
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            setSaved(false);
          }}
          error={field.name}
        />
        <Field
          label="Email"
          name="email"
          type="email"
          value={session.user.email}
          readOnly
          hint="You sign in with this email."
        />
        <FormActions
          status={saved ? 'Saved.' : ''}
          label="Save name"
          pendingLabel="Saving…"
          pending={mutation.isPending}
        />
      </Form>
    </article>
  );
}

const PASSWORD_FIELDS = ['currentPassword', 'newPassword', 'confirm'] as const;

function PasswordCard({ email }: { email: string }) {
  const queryClient = useQueryClient();
  const [values, setValues] = useState({ currentPassword: '', newPassword: '', confirm: '' });
  const [mismatch, setMismatch] = useState(false);
  const mutation = useMutation({
    mutationFn: changePassword,
    onSuccess: () => {
      setValues({ currentPassword: '', newPassword: '', confirm: '' });
      void queryClient.invalidateQueries({ queryKey: ['me', 'sessions'] });
    },
  });
  const { field, form } = placeProblem(
    mutation.error ? toProblem(mutation.error) : undefined,
    PASSWORD_FIELDS,
  );
  const bind = (name: (typeof PASSWORD_FIELDS)[number]) => ({
    name,
    value: values[name],
    onChange: (e: { target: { value: string } }) => setValues((v) => ({ ...v, [name]: e.target.value })),
  });
  const submit = () => {
    const differ = values.newPassword !== values.confirm;
    setMismatch(differ);
    if (!differ)
      mutation.mutate({ currentPassword: values.currentPassword, newPassword: values.newPassword });
  };
  const revoked = mutation.data?.revokedSessions ?? 0;
  return (
    <article className="card" aria-labelledby="profile-password-title">
      <h2 id="profile-password-title" className="card__title">
        Password
      </h2>
      <Form onSubmit={submit} error={form}>
        <input type="email" name="email" autoComplete="username" value={email} readOnly hidden />
        <Field
          label="Current password"
          type="password"
          autoComplete="current-password"
          required
          {...bind('currentPassword')}
          error={field.currentPassword}
        />
        <Field
          label="New password"
          type="password"
          autoComplete="new-password"
          required
          hint="A long passphrase you use nowhere else."
          {...bind('newPassword')}
          error={field.newPassword}
        />
        <Field
          label="New password again"
          type="password"
          autoComplete="new-password"
          required
          {...bind('confirm')}
          error={mismatch ? 'The two passwords differ.' : field.confirm}
        />
        <FormActions
          status={
            mutation.isSuccess
              ? `Password changed.${revoked ? ` ${revoked} other session${revoked === 1 ? ' was' : 's were'} signed out.` : ''}`
              : ''
          }
          label="Change password"
          pendingLabel="Changing…"
          pending={mutation.isPending}
        />
      </Form>
    </article>
  );
}

/** `JBSWY3DPEHPK3PXP` → `JBSW Y3DP EHPK 3PXP`: easier to type into an authenticator app. */
function groupsOfFour(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}

function TwoFactorCard({ session }: { session: Session }) {
  const queryClient = useQueryClient();
  const enabled = session.user.twoFactorEnabled;
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [recoveryCodes, setRecoveryCodes] = useState<string[]>();
  const refreshSession = () => queryClient.invalidateQueries({ queryKey: sessionQuery.queryKey });

  const setup = useMutation({ mutationFn: setupTwoFactor });
  const enable = useMutation({
    mutationFn: enableTwoFactor,
    onSuccess: async (answer) => {
      setRecoveryCodes(answer.recoveryCodes);
      setCode('');
      setup.reset();
      await refreshSession();
    },
  });
  const disable = useMutation({
    mutationFn: disableTwoFactor,
    onSuccess: async () => {
      setPassword('');
      setRecoveryCodes(undefined);
      await refreshSession();
    },
  });
  const enableProblem = placeProblem(enable.error ? toProblem(enable.error) : undefined, ['code']);
  const disableProblem = placeProblem(disable.error ? toProblem(disable.error) : undefined, ['password']);

  return (
    <article className="card" aria-labelledby="profile-2fa-title">
      <div className="card__header">
        <h2 id="profile-2fa-title" className="card__title">
          Two-factor sign-in
        </h2>
        <Badge tone={enabled ? 'success' : 'neutral'}>{enabled ? 'On' : 'Off'}</Badge>
      </div>
      {recoveryCodes ? (
        <div className="recovery" aria-labelledby="recovery-title">
          <p className="recovery__title" id="recovery-title">
            Two-factor sign-in is on. Your recovery codes:
          </p>
          <ol className="recovery__codes" id="recovery-codes">
            {recoveryCodes.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ol>
          <p className="secret__warning" role="note">
            Each code signs you in once without your authenticator. Keep them somewhere safe: they will not be
            shown again.
          </p>
          <div className="form__actions">
            <CopyButton
              value={recoveryCodes.join('\n')}
              target="recovery-codes"
              label="Copy recovery codes"
            />
            <button
              type="button"
              className="button button--ghost button--small"
              onClick={() => setRecoveryCodes(undefined)}
            >
              I have saved them
            </button>
          </div>
        </div>
      ) : null}
      {enabled ? (
        <Form
          onSubmit={() => disable.mutate(password)}
          error={disableProblem.form}
          before={
            <p className="card__text">
              Signing in asks for a code from your authenticator app. To turn this off, confirm with your
              password.
            </p>
          }
        >
          <input
            type="email"
            name="email"
            autoComplete="username"
            value={session.user.email}
            readOnly
            hidden
          />
          <Field
            label="Password"
            type="password"
            name="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={disableProblem.field.password}
          />
          <FormActions
            variant="danger"
            label="Turn off two-factor sign-in"
            pendingLabel="Turning off…"
            pending={disable.isPending}
          />
        </Form>
      ) : setup.data ? (
        <Form
          onSubmit={() => enable.mutate(code.replace(/\s+/g, ''))}
          error={enableProblem.form}
          before={
            <ol className="steps">
              <li>
                Scan this code with your authenticator app:
                <div className="qr-wrap">
                  <QrImage text={setup.data.otpauthUrl} label="QR code of the two-factor setup address" />
                </div>
                Or add an account in the app and type this key (time-based):
                <div className="secret__row secret__row--key">
                  <code
                    className="secret__value secret__value--key"
                    id="totp-secret"
                    data-secret={setup.data.secret}
                  >
                    {groupsOfFour(setup.data.secret)}
                  </code>
                  <CopyButton value={setup.data.secret} target="totp-secret" label="Copy key" />
                </div>
                <details className="details">
                  <summary>The setup address (otpauth://)</summary>
                  <code className="secret__value secret__value--wrap" id="totp-url">
                    {setup.data.otpauthUrl}
                  </code>
                </details>
              </li>
              <li>Enter the 6-digit code the app shows to confirm.</li>
            </ol>
          }
        >
          <Field
            label="Code from your app"
            name="code"
            inputMode="numeric"
            autoComplete="one-time-code"
            required
            autoFocus
            maxLength={10}
            value={code}
            onChange={(e) => setCode(e.target.value)}
            error={enableProblem.field.code}
          />
          <div className="form__actions">
            <SubmitButton
              label="Turn on two-factor sign-in"
              pendingLabel="Checking…"
              pending={enable.isPending}
            />
            <button type="button" className="button button--ghost" onClick={() => setup.reset()}>
              Cancel
            </button>
          </div>
        </Form>
      ) : (
        <div className="form">
          <p className="card__text">
            Ask for a code from an authenticator app (a time-based one-time password) when you sign in, on top
            of your password.
          </p>
          <FormAlert message={setup.error ? toProblem(setup.error).message : undefined} />
          <div className="form__actions">
            <button
              type="button"
              className="button button--primary"
              onClick={() => setup.mutate()}
              disabled={setup.isPending}
            >
              {setup.isPending ? 'Preparing…' : 'Set up two-factor sign-in'}
            </button>
          </div>
        </div>
      )}
    </article>
  );
}

/** "Chrome on Linux" from a user agent, or the agent itself when it is not a browser we know. */
function describeAgent(agent: string | null): string {
  if (!agent) return 'Unknown device';
  const browser = /Edg\//.test(agent)
    ? 'Edge'
    : /Firefox\//.test(agent)
      ? 'Firefox'
      : /Chrom(e|ium)\//.test(agent)
        ? 'Chrome'
        : /Safari\//.test(agent)
          ? 'Safari'
          : undefined;
  const system = /Windows/.test(agent)
    ? 'Windows'
    : /Android/.test(agent)
      ? 'Android'
      : /iPhone|iPad/.test(agent)
        ? 'iOS'
        : /Mac OS X/.test(agent)
          ? 'macOS'
          : /Linux/.test(agent)
            ? 'Linux'
            : undefined;
  if (!browser) return agent.slice(0, 60);
  return system ? `${browser} on ${system}` : browser;
}

function SessionsCard() {
  const queryClient = useQueryClient();
  const sessions = useQuery(sessionsQuery);
  const [notice, setNotice] = useState<string>();
  const refresh = () => queryClient.invalidateQueries({ queryKey: sessionsQuery.queryKey });
  const revoke = async (target: UserSession) => {
    await revokeSession(target.id);
    setNotice(`Signed out ${describeAgent(target.userAgent)}.`);
    await refresh();
  };
  const revokeOthers = async () => {
    const answer = await revokeOtherSessions();
    setNotice(`Signed out ${answer.revoked} other session${answer.revoked === 1 ? '' : 's'}.`);
    await refresh();
  };
  const others = sessions.data?.filter((s) => !s.current).length ?? 0;
  return (
    <article className="card card--wide" aria-labelledby="profile-sessions-title">
      <div className="card__header">
        <h2 id="profile-sessions-title" className="card__title">
          Sessions
        </h2>
        {others > 0 ? (
          <ConfirmButton
            label="Sign out everywhere else"
            title="Sign out everywhere else?"
            confirmLabel="Sign out other sessions"
            onConfirm={revokeOthers}
          >
            Every browser signed in to your account but this one is signed out.
          </ConfirmButton>
        ) : null}
      </div>
      <div role="status" aria-live="polite" className="notice-slot">
        {notice ? <p className="alert alert--success">{notice}</p> : null}
      </div>
      <QueryView query={sessions} loading="Loading sessions…">
        {(list) =>
          list.length === 0 ? (
            <Empty title="No open sessions" />
          ) : (
            <ul className="sessions">
              {list.map((s) => (
                <li key={s.id} className="sessions__item">
                  <div className="sessions__main">
                    <p className="sessions__device">
                      {describeAgent(s.userAgent)}{' '}
                      {s.current ? (
                        <span className="badge badge--accent badge--as-is">This browser</span>
                      ) : null}
                    </p>
                    <p className="sessions__meta">
                      {s.ip ?? 'Unknown address'} · signed in {formatDateTime(s.createdAt)} · last seen{' '}
                      <time dateTime={s.lastSeenAt} title={formatDateTime(s.lastSeenAt)}>
                        {formatRelative(s.lastSeenAt)}
                      </time>
                    </p>
                  </div>
                  {s.current ? null : (
                    <ConfirmButton
                      label="Sign out"
                      accessibleLabel={`Sign out ${describeAgent(s.userAgent)} from ${s.ip ?? 'an unknown address'}`}
                      title="Sign out this session?"
                      confirmLabel="Sign it out"
                      onConfirm={() => revoke(s)}
                    >
                      {describeAgent(s.userAgent)} ({s.ip ?? 'unknown address'}) will have to sign in again.
                    </ConfirmButton>
                  )}
                </li>
              ))}
            </ul>
          )
        }
      </QueryView>
    </article>
  );
}

/** Your profile: name, password, two-factor sign-in and the sessions of your account. */
export function ProfilePage() {
  const session = useQuery(sessionQuery);
  return (
    <section className="page" aria-labelledby="profile-title">
      <header className="page__header">
        <h1 id="profile-title">Profile</h1>
        <p className="page__lead">Your own account, in every organization you belong to.</p>
      </header>
      {session.data ? (
        <div className="cards cards--profile">
          <NameCard session={session.data} />
          <PasswordCard email={session.data.user.email} />
          <TwoFactorCard session={session.data} />
          <SessionsCard />
        </div>
      ) : (
        <Loading label="Loading your profile…" />
      )}
    </section>
  );
}
