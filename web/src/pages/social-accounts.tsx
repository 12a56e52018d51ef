import { useEffect, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import type { PlatformRules, SocialAccount } from '@audenci/sdk-js';
import { client } from '../api/client';
import { listAll } from '../api/lists';
import { toProblem } from '../api/problem';
import { sessionQuery } from '../api/session-query';
import { Badge, type BadgeTone } from '../components/badge';
import { ConfirmButton } from '../components/confirm-button';
import { Field } from '../components/field';
import { DataTable } from '../components/paged-table';
import { Form, SubmitButton } from '../components/form';
import { placeProblem } from '../components/form-problem';
import { formatDateTime, formatRelative } from '../components/format';
import { SelectField } from '../components/select-field';
import { Empty, ErrorState, Loading, QueryView } from '../components/states';
import { brandsQuery } from '../api/brands';
import { platformNamer, platformsQuery } from '../api/platforms';
import { BrandSelect } from '../components/brand-select';

export interface SocialAccountsSearch {
  brand?: string;
  /** Set by the server's OAuth callback when it sends the browser back here. */
  status?: string;
  reason?: string;
  accounts?: string;
  state?: string;
}

const STATUS_TONE: Record<SocialAccount['status'], BadgeTone> = {
  connected: 'success',
  expired: 'warning',
  revoked: 'danger',
  error: 'danger',
};

/** The callback's `reason` tokens, as sentences. */
const REASONS: Record<string, string> = {
  expired_state: 'The connection attempt took longer than 10 minutes. Start it again.',
  invalid_request: 'The platform answered without an authorization code.',
  platform_unavailable: 'The platform could not be reached. Try again in a moment.',
  exchange_failed: 'The platform refused the authorization code. Start the connection again.',
  no_accounts: 'The authorization grants no account that can publish (for example, no Page was selected).',
  access_denied: 'Access was not granted on the platform.',
};

function Outcome({ search, onDismiss }: { search: SocialAccountsSearch; onDismiss: () => void }) {
  if (search.status === 'connected') {
    const count = search.accounts ? search.accounts.split(',').filter(Boolean).length : 0;
    return (
      <div className="alert alert--success alert--dismissible" role="status">
        <span>
          {count === 1 ? 'Account connected.' : `${count} accounts connected.`} It can publish right away.
        </span>
        <button type="button" className="button button--ghost button--small" onClick={onDismiss}>
          Dismiss
        </button>
      </div>
    );
  }
  const reason = search.reason ?? 'authorization_failed';
  return (
    <div className="alert alert--error alert--dismissible" role="alert">
      <span>The account was not connected. {REASONS[reason] ?? `The platform answered “${reason}”.`}</span>
      <button type="button" className="button button--ghost button--small" onClick={onDismiss}>
        Dismiss
      </button>
    </div>
  );
}

const CONNECT_FIELDS = ['platform', 'redirectUri', 'brandId'] as const;
const SANDBOX_FIELDS = ['platform', 'name', 'brandId'] as const;

/** The choice of a platform the server supports, by its display name. */
function PlatformField({
  label,
  platforms,
  value,
  onChange,
  error,
}: {
  label: string;
  platforms: PlatformRules[];
  value: PlatformRules['platform'];
  onChange: (platform: PlatformRules['platform']) => void;
  error: string | undefined;
}) {
  return (
    <SelectField
      label={label}
      name="platform"
      value={value}
      onChange={(e) => onChange(e.target.value as PlatformRules['platform'])}
      error={error}
    >
      {platforms.map((p) => (
        <option key={p.platform} value={p.platform}>
          {p.displayName}
        </option>
      ))}
    </SelectField>
  );
}

/** Starts the OAuth flow: the server answers the platform's authorization URL and the browser goes there. */
function ConnectForm({ brandId, platforms }: { brandId: string; platforms: PlatformRules[] }) {
  const [platform, setPlatform] = useState<PlatformRules['platform']>(platforms[0]?.platform ?? 'instagram');
  const connect = useMutation({
    mutationFn: () =>
      client.socialAccounts.connect({
        brandId,
        platform,
        redirectUri: `${window.location.origin}/social-accounts?brand=${encodeURIComponent(brandId)}`,
      }),
    onSuccess: (connection) => window.location.assign(connection.authorizationUrl),
  });
  const { field, form } = placeProblem(connect.error ? toProblem(connect.error) : undefined, CONNECT_FIELDS);
  return (
    <Form
      row
      label="Connect an account"
      onSubmit={() => connect.mutate()}
      error={form ?? field.redirectUri ?? field.brandId}
    >
      <PlatformField
        label="Platform"
        platforms={platforms}
        value={platform}
        onChange={setPlatform}
        error={field.platform}
      />
      <SubmitButton
        label="Connect account"
        pendingLabel="Opening the platform…"
        pending={connect.isPending || connect.isSuccess}
      />
    </Form>
  );
}

/** An expired, revoked or failing account: the OAuth flow again, for the same brand and platform. */
function ReconnectButton({ account }: { account: SocialAccount }) {
  const reconnect = useMutation({
    mutationFn: () =>
      client.socialAccounts.connect({
        brandId: account.brandId,
        platform: account.platform as PlatformRules['platform'],
        redirectUri: `${window.location.origin}/social-accounts?brand=${encodeURIComponent(account.brandId)}`,
      }),
    onSuccess: (connection) => window.location.assign(connection.authorizationUrl),
  });
  return (
    <>
      <button
        type="button"
        className="button button--primary button--small"
        aria-label={`Reconnect ${account.name}`}
        onClick={() => reconnect.mutate()}
        disabled={reconnect.isPending || reconnect.isSuccess}
      >
        {reconnect.isPending || reconnect.isSuccess ? 'Opening…' : 'Reconnect'}
      </button>
      {reconnect.isError ? (
        <span className="field__error" role="alert">
          {toProblem(reconnect.error).message}
        </span>
      ) : null}
    </>
  );
}

/** Test mode: a connected sandbox account at once, nothing reaches a real network. */
function SandboxForm({
  brandId,
  platforms,
  onCreated,
}: {
  brandId: string;
  platforms: PlatformRules[];
  onCreated: (a: SocialAccount) => void;
}) {
  const [platform, setPlatform] = useState<PlatformRules['platform']>(platforms[0]?.platform ?? 'instagram');
  const [name, setName] = useState('');
  const create = useMutation({
    mutationFn: () => client.socialAccounts.createSandbox({ brandId, platform, name: name.trim() }),
    onSuccess: (account) => {
      setName('');
      onCreated(account);
    },
  });
  const { field, form } = placeProblem(create.error ? toProblem(create.error) : undefined, SANDBOX_FIELDS);
  return (
    <Form row label="Add a sandbox account" onSubmit={() => create.mutate()} error={form ?? field.brandId}>
      <PlatformField
        label="Sandbox platform"
        platforms={platforms}
        value={platform}
        onChange={setPlatform}
        error={field.platform}
      />
      <Field
        label="Account name"
        name="name"
        required
        placeholder="Acme Coffee (sandbox)"
        value={name}
        onChange={(e) => setName(e.target.value)}
        error={field.name}
      />
      <SubmitButton
        label="Add sandbox account"
        pendingLabel="Adding…"
        pending={create.isPending}
        variant="secondary"
      />
    </Form>
  );
}

function expiry(account: SocialAccount): string {
  if (!account.tokenExpiresAt) return 'Does not expire';
  return `${formatDateTime(account.tokenExpiresAt)} (${formatRelative(account.tokenExpiresAt)})`;
}

/** Social accounts of a brand: connect (OAuth, or a sandbox account in test mode), status, disconnect. */
export function SocialAccountsPage() {
  const search: SocialAccountsSearch = useSearch({ strict: false });
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const session = useQuery(sessionQuery);
  const testMode = session.data?.environment === 'test';
  const brands = useQuery(brandsQuery);
  const platforms = useQuery(platformsQuery);
  const [notice, setNotice] = useState<string>();
  // The outcome of the OAuth round trip stays on screen after the address loses its query.
  const [outcome, setOutcome] = useState<SocialAccountsSearch | undefined>(() =>
    search.status ? search : undefined,
  );

  const brandList = brands.data?.items ?? [];
  const brandId = brandList.some((b) => b.id === search.brand) ? search.brand : brandList[0]?.id;
  const brand = brandList.find((b) => b.id === brandId);

  useEffect(() => {
    if (search.status) {
      setOutcome(search);
      void navigate({ to: '/social-accounts', search: { brand: search.brand }, replace: true });
    }
  }, [search, navigate]);

  const accounts = useQuery({
    queryKey: ['social-accounts', brandId],
    queryFn: () => listAll(client.socialAccounts.list({ brandId, limit: 100 })),
    enabled: Boolean(brandId),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['social-accounts'] });
  const disconnect = async (account: SocialAccount) => {
    await client.socialAccounts.delete(account.id);
    setNotice(`${account.name} disconnected.`);
    await refresh();
  };
  const platformName = platformNamer(platforms.data);

  return (
    <section className="page" aria-labelledby="accounts-title">
      <header className="page__header">
        <h1 id="accounts-title">Social accounts</h1>
        <p className="page__lead">
          The accounts each brand publishes to. Audenci keeps their tokens fresh; an expired or revoked
          account needs connecting again.
        </p>
      </header>
      {outcome ? <Outcome search={outcome} onDismiss={() => setOutcome(undefined)} /> : null}
      <div role="status" aria-live="polite" className="notice-slot">
        {notice ? <p className="alert alert--success">{notice}</p> : null}
      </div>

      {brands.isPending ? (
        <Loading label="Loading brands…" />
      ) : brands.isError ? (
        <ErrorState problem={toProblem(brands.error)} onRetry={() => void brands.refetch()} />
      ) : !brand ? (
        <div className="card">
          <Empty title="No brands yet">
            Accounts belong to a brand. <Link to="/brands">Create a brand</Link> first.
          </Empty>
        </div>
      ) : (
        <>
          <div className="card accounts-controls">
            <div className="form__row">
              <BrandSelect
                brands={brandList}
                name="brand"
                value={brand.id}
                onChange={(e) => void navigate({ to: '/social-accounts', search: { brand: e.target.value } })}
              />
            </div>
            <h2 className="card__title">Connect an account</h2>
            {platforms.isPending ? (
              <Loading label="Loading platforms…" />
            ) : platforms.isError ? (
              <ErrorState problem={toProblem(platforms.error)} onRetry={() => void platforms.refetch()} />
            ) : (
              <ConnectForm key={`connect-${brand.id}`} brandId={brand.id} platforms={platforms.data} />
            )}
          </div>
          {testMode && platforms.data ? (
            <div className="card card--test">
              <h2 className="card__title">Sandbox accounts</h2>
              <p className="card__text">
                Test mode: a sandbox account is connected at once and publishes nowhere. Connecting above also
                goes through the sandbox, which approves straight away.
              </p>
              <SandboxForm
                key={`sandbox-${brand.id}`}
                brandId={brand.id}
                platforms={platforms.data}
                onCreated={(account) => {
                  setNotice(`Sandbox account ${account.name} connected.`);
                  void refresh();
                }}
              />
            </div>
          ) : null}

          <QueryView query={accounts} loading="Loading accounts…">
            {({ items }) =>
              items.length === 0 ? (
                <div className="card">
                  <Empty title={`No accounts for ${brand.name} yet`}>
                    Connect an account above to publish to it.
                  </Empty>
                </div>
              ) : (
                <div className="card">
                  <DataTable
                    caption={`Social accounts of ${brand.name}`}
                    columns={
                      <>
                        <th scope="col">Account</th>
                        <th scope="col">Platform</th>
                        <th scope="col">Status</th>
                        <th scope="col">Token expires</th>
                        <th scope="col">
                          <span className="visually-hidden">Actions</span>
                        </th>
                      </>
                    }
                  >
                    {items.map((account) => (
                      <tr key={account.id}>
                        <td data-label="Account" className="table__primary">
                          <span className="cell-stack">
                            <span>{account.name}</span>
                            {account.username ? (
                              <span className="table__sub">@{account.username}</span>
                            ) : null}
                          </span>
                        </td>
                        <td data-label="Platform">{platformName(account.platform)}</td>
                        <td data-label="Status">
                          <span className="cell-stack">
                            <Badge tone={STATUS_TONE[account.status]}>{account.status}</Badge>
                            {account.lastError ? (
                              <span className="table__muted">{account.lastError}</span>
                            ) : null}
                          </span>
                        </td>
                        <td data-label="Token expires" className="table__muted">
                          {expiry(account)}
                        </td>
                        <td className="table__actions">
                          {account.status === 'connected' ? null : <ReconnectButton account={account} />}
                          <ConfirmButton
                            label="Disconnect"
                            accessibleLabel={`Disconnect ${account.name}`}
                            title={`Disconnect ${account.name}?`}
                            confirmLabel="Disconnect"
                            onConfirm={() => disconnect(account)}
                          >
                            Audenci forgets the account and its tokens. An account used by a scheduled or
                            publishing post cannot be disconnected until that post is done or moved.
                          </ConfirmButton>
                        </td>
                      </tr>
                    ))}
                  </DataTable>
                </div>
              )
            }
          </QueryView>
        </>
      )}
    </section>
  );
}
