import { useState } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from '@tanstack/react-router';
import { client } from '../../api/client';
import { toProblem } from '../../api/problem';
import { useRole } from '../../api/role';
import { Badge, type BadgeTone } from '../../components/badge';
import { ConfirmButton } from '../../components/confirm-button';
import { ResultDialog } from '../../components/dialog';
import { FormDialog } from '../../components/form-dialog';
import { formatDateTime, formatDuration, formatRelative } from '../../components/format';
import { Pager, useCursorPages } from '../../components/pager';
import { SecretOnce } from '../../components/secret-once';
import { SelectField } from '../../components/select-field';
import { Empty, ErrorState, Loading } from '../../components/states';
import { AdminsOnly, formProblem, SettingsHeader } from './settings-shared';
import {
  disabledReasonText,
  EndpointDialog,
  EndpointStatus,
  eventsText,
  webhooksKey,
  type WebhookDelivery,
  type WebhookEndpoint,
} from './webhooks-shared';

const DELIVERY_TONE: Record<WebhookDelivery['status'], BadgeTone> = {
  pending: 'accent',
  succeeded: 'success',
  failed: 'danger',
};

const OUTCOME_TEXT: Record<WebhookDelivery['attempts'][number]['outcome'], string> = {
  succeeded: 'Succeeded',
  http_error: 'HTTP error',
  timeout: 'Timed out',
  network_error: 'No answer',
  blocked: 'Blocked (private address)',
};

const OVERLAPS = [
  { seconds: 0, label: 'Stop signing with the old secret now' },
  { seconds: 3600, label: '1 hour' },
  { seconds: 86_400, label: '24 hours' },
  { seconds: 7 * 86_400, label: '7 days' },
];

function RotateSecretDialog({ endpoint, onClose }: { endpoint: WebhookEndpoint; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [overlap, setOverlap] = useState(86_400);
  const rotate = useMutation({
    mutationFn: () => client.webhooks.rotateSecret(endpoint.id, { overlapSeconds: overlap }),
    onSuccess: (next) => {
      const { secret: _secret, ...shown } = next;
      queryClient.setQueryData([...webhooksKey, endpoint.id], shown);
      return queryClient.invalidateQueries({ queryKey: webhooksKey });
    },
  });
  const { field, form } = formProblem(rotate.error, ['overlapSeconds'] as const);

  if (rotate.data) {
    return (
      <ResultDialog title="New signing secret" onClose={onClose}>
        <SecretOnce label="Signing secret" value={rotate.data.secret} />
        <p className="dialog__text">
          {rotate.data.previousSecretExpiresAt
            ? `Until ${formatDateTime(rotate.data.previousSecretExpiresAt)} deliveries carry both signatures, so your receiver can switch over.`
            : 'Deliveries are signed with the new secret only.'}
        </p>
      </ResultDialog>
    );
  }
  return (
    <FormDialog
      title="Rotate the signing secret"
      intro="A new secret is issued. During the overlap, deliveries are signed with both the old and the new secret."
      onClose={onClose}
      onSubmit={() => rotate.mutate()}
      error={form}
      submitLabel="Rotate secret"
      pendingLabel="Rotating…"
      pending={rotate.isPending}
    >
      <SelectField
        label="Overlap"
        name="overlapSeconds"
        value={String(overlap)}
        onChange={(e) => setOverlap(Number(e.target.value))}
        error={field.overlapSeconds}
      >
        {OVERLAPS.map((o) => (
          <option key={o.seconds} value={o.seconds}>
            {o.label}
          </option>
        ))}
      </SelectField>
    </FormDialog>
  );
}

function EditDialog({ endpoint, onClose }: { endpoint: WebhookEndpoint; onClose: () => void }) {
  const queryClient = useQueryClient();
  const update = useMutation({
    mutationFn: (input: { url: string; description: string | null; events: string[] }) =>
      client.webhooks.update(endpoint.id, input),
    onSuccess: async (next) => {
      queryClient.setQueryData([...webhooksKey, endpoint.id], next);
      await queryClient.invalidateQueries({ queryKey: webhooksKey });
      onClose();
    },
  });
  return (
    <EndpointDialog
      title="Edit endpoint"
      initial={{ url: endpoint.url, description: endpoint.description, events: endpoint.events }}
      submitLabel="Save changes"
      pendingLabel="Saving…"
      pending={update.isPending}
      error={update.error}
      onSubmit={(input) => update.mutate(input)}
      onClose={onClose}
    />
  );
}

/** One delivery opened: the request every attempt sent, and each attempt's answer and timing. */
function DeliveryDetail({ endpoint, deliveryId }: { endpoint: WebhookEndpoint; deliveryId: string }) {
  const delivery = useQuery({
    queryKey: [...webhooksKey, endpoint.id, 'deliveries', deliveryId],
    queryFn: () => client.webhooks.retrieveDelivery(endpoint.id, deliveryId),
    refetchInterval: (query) => (query.state.data?.status === 'pending' ? 2000 : false),
  });
  if (delivery.isPending) return <Loading label="Loading the delivery…" />;
  if (delivery.isError)
    return <ErrorState problem={toProblem(delivery.error)} onRetry={() => void delivery.refetch()} />;
  const d = delivery.data;
  return (
    <div className="delivery">
      <h3 className="delivery__title">Request</h3>
      <pre className="code-block" tabIndex={0} aria-label="Request">
        {`POST ${endpoint.url}\ncontent-type: application/json\nwebhook-id: ${d.eventId}\nwebhook-timestamp: …\nwebhook-signature: v1,…\n\n${JSON.stringify(d.payload, null, 2)}`}
      </pre>
      <h3 className="delivery__title">
        Attempts ({d.attemptCount}
        {d.attemptCount > d.attempts.length ? `, the latest ${d.attempts.length} shown` : ''})
      </h3>
      {d.attempts.length === 0 ? (
        <p className="muted">
          No attempt yet{d.nextAttemptAt ? `: the first is due ${formatRelative(d.nextAttemptAt)}` : ''}.
        </p>
      ) : (
        <ol className="attempts">
          {d.attempts.map((a) => (
            <li key={a.attempt} className="attempt">
              <div className="attempt__head">
                <span className="attempt__number">#{a.attempt}</span>
                <Badge tone={a.outcome === 'succeeded' ? 'success' : 'danger'}>
                  {OUTCOME_TEXT[a.outcome]}
                </Badge>
                <span>{a.responseStatus === null ? 'No response status' : `Status ${a.responseStatus}`}</span>
                <span className="muted">
                  {formatDateTime(a.startedAt)} · {formatDuration(a.durationMs)}
                </span>
              </div>
              {a.error ? <p className="attempt__error">{a.error}</p> : null}
              {a.responseBody ? (
                <pre
                  className="code-block code-block--small"
                  tabIndex={0}
                  aria-label={`Response body of attempt ${a.attempt}`}
                >
                  {a.responseBody}
                </pre>
              ) : null}
            </li>
          ))}
        </ol>
      )}
      {d.status === 'pending' && d.nextAttemptAt ? (
        <p className="muted">Next attempt {formatRelative(d.nextAttemptAt)}.</p>
      ) : null}
    </div>
  );
}

function DeliveryLog({ endpoint }: { endpoint: WebhookEndpoint }) {
  const queryClient = useQueryClient();
  const pages = useCursorPages();
  const [open, setOpen] = useState<string>();
  const [retryError, setRetryError] = useState<string>();
  const deliveriesKey = [...webhooksKey, endpoint.id, 'deliveries'];
  const deliveries = useQuery({
    queryKey: [...deliveriesKey, 'list', pages.cursor ?? null],
    queryFn: () =>
      client.webhooks
        .deliveries(endpoint.id, { limit: 20, ...(pages.cursor ? { cursor: pages.cursor } : {}) })
        .firstPage(),
    placeholderData: keepPreviousData,
    // While an attempt is due, the log follows it.
    refetchInterval: (query) => (query.state.data?.data.some((d) => d.status === 'pending') ? 2000 : false),
  });
  const retry = useMutation({
    mutationFn: (deliveryId: string) => client.webhooks.retryDelivery(endpoint.id, deliveryId),
    onMutate: () => setRetryError(undefined),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: deliveriesKey }),
    onError: (error) => setRetryError(toProblem(error).message),
  });

  return (
    <section className="panel" aria-labelledby="deliveries-title">
      <div className="panel__header">
        <h2 id="deliveries-title" className="panel__title">
          Delivery log
        </h2>
        <button
          type="button"
          className="button button--secondary button--small"
          onClick={() => void deliveries.refetch()}
          disabled={deliveries.isFetching}
        >
          {deliveries.isFetching ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      {retryError ? (
        <div className="alert alert--error" role="alert">
          {retryError}
        </div>
      ) : null}
      {deliveries.isPending ? (
        <Loading label="Loading deliveries…" />
      ) : deliveries.isError ? (
        <ErrorState problem={toProblem(deliveries.error)} onRetry={() => void deliveries.refetch()} />
      ) : deliveries.data.data.length === 0 && !pages.hasPrevious ? (
        <Empty title="No deliveries yet">Send a test event to see a delivery here.</Empty>
      ) : (
        <>
          <ul className="deliveries">
            {deliveries.data.data.map((d) => {
              const expanded = open === d.id;
              return (
                <li key={d.id} className="deliveries__item">
                  <div className="deliveries__row">
                    <button
                      type="button"
                      className="deliveries__toggle"
                      aria-expanded={expanded}
                      aria-controls={`delivery-${d.id}`}
                      onClick={() => setOpen(expanded ? undefined : d.id)}
                    >
                      <span className="deliveries__chevron" aria-hidden="true">
                        {expanded ? '▾' : '▸'}
                      </span>
                      <code>{d.eventType}</code>
                    </button>
                    <Badge tone={DELIVERY_TONE[d.status]}>{d.status}</Badge>
                    <span className="deliveries__meta">
                      {d.lastResponseStatus === null
                        ? (d.lastError ?? 'No answer yet')
                        : `HTTP ${d.lastResponseStatus}`}
                      {' · '}
                      {d.attemptCount} attempt{d.attemptCount === 1 ? '' : 's'}
                    </span>
                    <span className="deliveries__meta">{formatDateTime(d.createdAt)}</span>
                    <button
                      type="button"
                      className="button button--secondary button--small deliveries__retry"
                      aria-label={`Retry delivery ${d.eventType} of ${formatDateTime(d.createdAt)}`}
                      onClick={() => retry.mutate(d.id)}
                      disabled={retry.isPending && retry.variables === d.id}
                    >
                      {retry.isPending && retry.variables === d.id ? 'Retrying…' : 'Retry'}
                    </button>
                  </div>
                  {expanded ? (
                    <div id={`delivery-${d.id}`} className="deliveries__detail">
                      <DeliveryDetail endpoint={endpoint} deliveryId={d.id} />
                    </div>
                  ) : null}
                </li>
              );
            })}
          </ul>
          <Pager
            hasPrevious={pages.hasPrevious}
            hasNext={deliveries.data.hasNextPage()}
            onPrevious={pages.previous}
            onNext={() => pages.next(deliveries.data.pagination.nextCursor)}
          />
        </>
      )}
    </section>
  );
}

function EndpointActions({ endpoint }: { endpoint: WebhookEndpoint }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [dialog, setDialog] = useState<'edit' | 'rotate'>();
  const [message, setMessage] = useState<{ tone: 'ok' | 'error'; text: string }>();
  const key = [...webhooksKey, endpoint.id];

  const test = useMutation({
    mutationFn: () => client.webhooks.test(endpoint.id),
    onMutate: () => setMessage(undefined),
    onSuccess: async () => {
      setMessage({ tone: 'ok', text: 'Test event sent: it appears in the delivery log below.' });
      await queryClient.invalidateQueries({ queryKey: [...key, 'deliveries'] });
    },
    onError: (error) => setMessage({ tone: 'error', text: toProblem(error).message }),
  });
  const toggle = useMutation({
    mutationFn: () => client.webhooks.update(endpoint.id, { enabled: !endpoint.enabled }),
    onMutate: () => setMessage(undefined),
    onSuccess: async (next) => {
      queryClient.setQueryData(key, next);
      await queryClient.invalidateQueries({ queryKey: webhooksKey });
    },
    onError: (error) => setMessage({ tone: 'error', text: toProblem(error).message }),
  });

  return (
    <div className="stack">
      <div className="toolbar" role="group" aria-label="Endpoint actions">
        <button
          type="button"
          className="button button--primary"
          onClick={() => test.mutate()}
          disabled={test.isPending}
        >
          {test.isPending ? 'Sending…' : 'Send test event'}
        </button>
        <button
          type="button"
          className="button button--secondary"
          onClick={() => toggle.mutate()}
          disabled={toggle.isPending}
        >
          {endpoint.enabled ? 'Disable' : 'Enable'}
        </button>
        <button type="button" className="button button--secondary" onClick={() => setDialog('edit')}>
          Edit
        </button>
        <button type="button" className="button button--secondary" onClick={() => setDialog('rotate')}>
          Rotate secret
        </button>
        <ConfirmButton
          label="Delete"
          buttonClass="button button--danger-outline"
          title="Delete this endpoint?"
          confirmLabel="Delete endpoint"
          onConfirm={async () => {
            await client.webhooks.delete(endpoint.id);
            queryClient.removeQueries({ queryKey: key });
            await queryClient.invalidateQueries({ queryKey: webhooksKey });
            await navigate({ to: '/settings/webhooks' });
          }}
        >
          <code>{endpoint.url}</code> stops receiving events, and its delivery log is deleted with it.
        </ConfirmButton>
      </div>
      <div aria-live="polite">
        {message ? (
          <div
            className={`alert ${message.tone === 'ok' ? 'alert--success' : 'alert--error'}`}
            role={message.tone === 'error' ? 'alert' : 'status'}
          >
            {message.text}
          </div>
        ) : null}
      </div>
      {dialog === 'edit' ? <EditDialog endpoint={endpoint} onClose={() => setDialog(undefined)} /> : null}
      {dialog === 'rotate' ? (
        <RotateSecretDialog endpoint={endpoint} onClose={() => setDialog(undefined)} />
      ) : null}
    </div>
  );
}

/** Settings → Integrations → Webhooks → one endpoint: its settings, actions and delivery log. */
export function WebhookDetailPage() {
  const { webhookId = '' } = useParams({ strict: false });
  const { role, isAdmin } = useRole();
  const endpoint = useQuery({
    queryKey: [...webhooksKey, webhookId],
    queryFn: () => client.webhooks.retrieve(webhookId),
    enabled: isAdmin,
  });
  const back = (
    <Link to="/settings/webhooks" className="back-link">
      ← Webhooks
    </Link>
  );

  if (!isAdmin) {
    return (
      <section className="page" aria-labelledby="webhook-title">
        <SettingsHeader id="webhook-title" title="Webhook endpoint" lead="" back={back} />
        <AdminsOnly what="webhooks" role={role} />
      </section>
    );
  }
  if (endpoint.isPending) return <Loading label="Loading the endpoint…" />;
  if (endpoint.isError) {
    return (
      <section className="page" aria-labelledby="webhook-title">
        <SettingsHeader id="webhook-title" title="Webhook endpoint" lead="" back={back} />
        <ErrorState problem={toProblem(endpoint.error)} onRetry={() => void endpoint.refetch()} />
      </section>
    );
  }
  const e = endpoint.data;
  return (
    <section className="page" aria-labelledby="webhook-title">
      <SettingsHeader
        id="webhook-title"
        title="Webhook endpoint"
        lead={<span className="break">{e.url}</span>}
        back={back}
      />
      {!e.enabled ? (
        <div className={`alert ${e.disabledReason ? 'alert--error' : 'alert--info'}`} role="status">
          {disabledReasonText(e)} No events are sent to it until it is enabled again.
        </div>
      ) : e.failingSince ? (
        <div className="alert alert--warning" role="status">
          Every attempt since {formatDateTime(e.failingSince)} has failed. Audenci disables an endpoint that
          keeps failing.
        </div>
      ) : null}
      <EndpointActions endpoint={e} />
      <div className="panel">
        <dl className="facts">
          <dt>Status</dt>
          <dd>
            <EndpointStatus endpoint={e} />
          </dd>
          <dt>Events</dt>
          <dd>{eventsText(e.events)}</dd>
          <dt>Description</dt>
          <dd>{e.description ?? <span className="muted">None</span>}</dd>
          <dt>Created</dt>
          <dd>{formatDateTime(e.createdAt)}</dd>
          {e.previousSecretExpiresAt ? (
            <>
              <dt>Old secret</dt>
              <dd>Still signs deliveries until {formatDateTime(e.previousSecretExpiresAt)}</dd>
            </>
          ) : null}
        </dl>
      </div>
      <DeliveryLog endpoint={e} />
    </section>
  );
}
