import { useState } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Schemas } from '@audenci/sdk-js';
import { client } from '../../api/client';
import { useRole } from '../../api/role';
import { Badge, type BadgeTone } from '../../components/badge';
import { ConfirmButton } from '../../components/confirm-button';
import { ResultDialog } from '../../components/dialog';
import { Field } from '../../components/field';
import { FormDialog } from '../../components/form-dialog';
import { formatDateTime } from '../../components/format';
import { PagedTable } from '../../components/paged-table';
import { useCursorPages } from '../../components/pager';
import { SecretOnce } from '../../components/secret-once';
import { SelectField } from '../../components/select-field';
import { Empty } from '../../components/states';
import { AdminsOnly, formProblem, SettingsHeader } from './settings-shared';

type ApiKey = Schemas['ApiKey'];
type Scope = ApiKey['scope'];

const SCOPES: { value: Scope; label: string; hint: string }[] = [
  { value: 'read', label: 'Read', hint: 'GET requests only' },
  { value: 'read_write', label: 'Read and write', hint: 'Reads and content changes (posts, brands, media)' },
  { value: 'admin', label: 'Admin', hint: 'Everything, including keys, webhooks and settings' },
];

const STATUS_TONE: Record<ApiKey['status'], BadgeTone> = {
  active: 'success',
  expiring: 'warning',
  expired: 'neutral',
  revoked: 'danger',
};

const GRACE_PERIODS = [
  { seconds: 0, label: 'End the old key now' },
  { seconds: 3600, label: '1 hour' },
  { seconds: 86_400, label: '24 hours' },
  { seconds: 7 * 86_400, label: '7 days' },
];

const keysKey = ['api-keys'] as const;

function scopeLabel(scope: Scope): string {
  return SCOPES.find((s) => s.value === scope)?.label ?? scope;
}

/** `sk_test_4f9A…x9Qz`: enough to recognise a key, never enough to use it. */
function maskedKey(key: ApiKey): string {
  return `${key.prefix}…${key.last4}`;
}

/** The end of a chosen day (local time) as the API's date-time, or null when no day was chosen. */
function endOfDay(day: string): string | null {
  if (!day) return null;
  const date = new Date(`${day}T23:59:59`);
  return Number.isNaN(date.getTime()) ? day : date.toISOString();
}

function CreateKeyDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [scope, setScope] = useState<Scope>('read_write');
  const [expires, setExpires] = useState('');
  const create = useMutation({
    mutationFn: () =>
      client.apiKeys.create({ name: name.trim() || null, scope, expiresAt: endOfDay(expires) }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keysKey }),
  });
  const { field, form } = formProblem(create.error, ['name', 'scope', 'expiresAt'] as const);

  const close = () => {
    create.reset();
    setName('');
    setScope('read_write');
    setExpires('');
    onClose();
  };

  if (create.data) {
    return (
      <ResultDialog open={open} title="Your new API key" onClose={close}>
        <SecretOnce
          label={`${create.data.name ?? 'Unnamed key'} (${scopeLabel(create.data.scope)})`}
          value={create.data.key}
        />
        <p className="dialog__text">
          Send it as <code>Authorization: Bearer &lt;key&gt;</code>, or give it to the SDK as{' '}
          <code>apiKey</code>.
        </p>
      </ResultDialog>
    );
  }

  return (
    <FormDialog
      open={open}
      title="Create an API key"
      onClose={close}
      onSubmit={() => create.mutate()}
      error={form}
      submitLabel="Create key"
      pendingLabel="Creating…"
      pending={create.isPending}
    >
      <Field
        label="Name"
        name="name"
        value={name}
        onChange={(e) => setName(e.target.value)}
        error={field.name}
        hint="What uses it, e.g. “CI pipeline” or “CRM sync”."
        maxLength={200}
        autoFocus
      />
      <SelectField
        label="Scope"
        name="scope"
        value={scope}
        onChange={(e) => setScope(e.target.value as Scope)}
        error={field.scope}
        hint={SCOPES.find((s) => s.value === scope)?.hint}
      >
        {SCOPES.map((s) => (
          <option key={s.value} value={s.value}>
            {s.label}
          </option>
        ))}
      </SelectField>
      <Field
        label="Expires (optional)"
        name="expiresAt"
        type="date"
        value={expires}
        onChange={(e) => setExpires(e.target.value)}
        error={field.expiresAt}
        hint="The key stops working at the end of that day. Leave empty for a key that does not expire."
      />
    </FormDialog>
  );
}

function RotateKeyDialog({ apiKey, onClose }: { apiKey: ApiKey; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [grace, setGrace] = useState(86_400);
  const rotate = useMutation({
    mutationFn: () => client.apiKeys.rotate(apiKey.id, { gracePeriodSeconds: grace }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keysKey }),
  });
  const { field, form } = formProblem(rotate.error, ['gracePeriodSeconds'] as const);
  const label = apiKey.name ?? maskedKey(apiKey);

  if (rotate.data) {
    return (
      <ResultDialog title="Your rotated API key" onClose={onClose}>
        <SecretOnce label={`New key for ${label}`} value={rotate.data.key} />
        <p className="dialog__text">
          {grace === 0
            ? 'The old key no longer works.'
            : `The old key keeps working until ${formatDateTime(new Date(Date.now() + grace * 1000).toISOString())}. Deploy the new one before then.`}
        </p>
      </ResultDialog>
    );
  }

  return (
    <FormDialog
      title={`Rotate “${label}”`}
      intro="A new key with the same name and scope is issued. The old key keeps working for the grace period, so you can deploy the new one without downtime."
      onClose={onClose}
      onSubmit={() => rotate.mutate()}
      error={form}
      submitLabel="Rotate key"
      pendingLabel="Rotating…"
      pending={rotate.isPending}
    >
      <SelectField
        label="Grace period"
        name="gracePeriodSeconds"
        value={String(grace)}
        onChange={(e) => setGrace(Number(e.target.value))}
        error={field.gracePeriodSeconds}
      >
        {GRACE_PERIODS.map((g) => (
          <option key={g.seconds} value={g.seconds}>
            {g.label}
          </option>
        ))}
      </SelectField>
    </FormDialog>
  );
}

/** The header cells of the keys table; the actions column only for those who can act. */
function keyColumns(isAdmin: boolean) {
  return (
    <>
      <th scope="col">Name</th>
      <th scope="col">Key</th>
      <th scope="col">Scope</th>
      <th scope="col">Created</th>
      <th scope="col">Last used</th>
      <th scope="col">Expires</th>
      <th scope="col">Status</th>
      {isAdmin ? (
        <th scope="col">
          <span className="visually-hidden">Actions</span>
        </th>
      ) : null}
    </>
  );
}

function KeyRow({
  apiKey: key,
  isAdmin,
  onRotate,
}: {
  apiKey: ApiKey;
  isAdmin: boolean;
  onRotate: () => void;
}) {
  const queryClient = useQueryClient();
  const label = key.name ?? maskedKey(key);
  return (
    <tr>
      <td data-label="Name" className="table__primary">
        {key.name ?? <span className="muted">Unnamed</span>}
      </td>
      <td data-label="Key">
        <code>{maskedKey(key)}</code> {key.environment === 'test' ? <Badge tone="test">Test</Badge> : null}
      </td>
      <td data-label="Scope">{scopeLabel(key.scope)}</td>
      <td data-label="Created">{formatDateTime(key.createdAt)}</td>
      <td data-label="Last used">{formatDateTime(key.lastUsedAt, 'Never')}</td>
      <td data-label="Expires">{formatDateTime(key.expiresAt, 'Never')}</td>
      <td data-label="Status">
        <Badge tone={STATUS_TONE[key.status]}>{key.status}</Badge>
      </td>
      {isAdmin ? (
        <td className="table__actions">
          {key.status === 'active' ? (
            <button
              type="button"
              className="button button--secondary button--small"
              aria-label={`Rotate ${label}`}
              onClick={onRotate}
            >
              Rotate
            </button>
          ) : null}
          {key.status === 'active' || key.status === 'expiring' ? (
            <ConfirmButton
              label="Revoke"
              accessibleLabel={`Revoke ${label}`}
              title={`Revoke “${label}”?`}
              confirmLabel="Revoke key"
              onConfirm={async () => {
                await client.apiKeys.revoke(key.id);
                await queryClient.invalidateQueries({ queryKey: keysKey });
              }}
            >
              Requests with <code>{maskedKey(key)}</code> are refused (401) from now on. This cannot be
              undone.
            </ConfirmButton>
          ) : null}
        </td>
      ) : null}
    </tr>
  );
}

const PAGE_SIZE = 25;

/** Settings → API keys: the organization's keys of this environment, created, rotated and revoked here. */
export function ApiKeysPage() {
  const { role, isAdmin } = useRole();
  const [creating, setCreating] = useState(false);
  const [rotating, setRotating] = useState<ApiKey>();
  const pages = useCursorPages();
  const cursor = pages.cursor;
  const keys = useQuery({
    queryKey: [...keysKey, cursor ?? null],
    queryFn: () => client.apiKeys.list({ limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) }).firstPage(),
    enabled: isAdmin,
    placeholderData: keepPreviousData,
  });

  return (
    <section className="page" aria-labelledby="api-keys-title">
      <SettingsHeader
        id="api-keys-title"
        title="API keys"
        lead="Keys authenticate your servers and scripts with the Audenci API. Each key belongs to this environment: test-mode keys only see test data."
        action={
          isAdmin ? (
            <button type="button" className="button button--primary" onClick={() => setCreating(true)}>
              Create API key
            </button>
          ) : null
        }
      />
      <div className="panel">
        {!isAdmin ? (
          <AdminsOnly what="API keys" role={role} />
        ) : (
          <PagedTable
            query={keys}
            pages={pages}
            loading="Loading API keys…"
            empty={
              <Empty title="No API keys yet">
                Create a key to call the API from your own code. It is shown once, at creation.
              </Empty>
            }
            label="API keys list"
            columns={keyColumns(isAdmin)}
            row={(key) => (
              <KeyRow key={key.id} apiKey={key} isAdmin={isAdmin} onRotate={() => setRotating(key)} />
            )}
          />
        )}
        {rotating ? <RotateKeyDialog apiKey={rotating} onClose={() => setRotating(undefined)} /> : null}
      </div>
      <CreateKeyDialog open={creating} onClose={() => setCreating(false)} />
    </section>
  );
}
