import { useState } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { client } from '../../api/client';
import { useRole } from '../../api/role';
import { Dialog } from '../../components/dialog';
import { formatDateTime } from '../../components/format';
import { PagedTable } from '../../components/paged-table';
import { useCursorPages } from '../../components/pager';
import { SecretOnce } from '../../components/secret-once';
import { Empty } from '../../components/states';
import { AdminsOnly, SettingsHeader } from './settings-shared';
import { EndpointDialog, EndpointStatus, eventsText, webhooksKey } from './webhooks-shared';

function CreateWebhookDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const create = useMutation({
    mutationFn: (input: { url: string; description: string | null; events: string[] }) =>
      client.webhooks.create(input),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: webhooksKey }),
  });
  const close = () => {
    create.reset();
    onClose();
  };
  if (!open) return null;

  if (create.data) {
    const endpoint = create.data;
    return (
      <Dialog
        open
        title="Endpoint created"
        onClose={close}
        footer={
          <>
            <button type="button" className="button button--secondary" onClick={close}>
              Done
            </button>
            <Link
              to="/settings/webhooks/$webhookId"
              params={{ webhookId: endpoint.id }}
              className="button button--primary"
              onClick={close}
            >
              Open endpoint
            </Link>
          </>
        }
      >
        <SecretOnce label="Signing secret" value={endpoint.secret} />
        <p className="dialog__text">
          Verify each delivery's <code>webhook-signature</code> with it, e.g.{' '}
          <code>Audenci.webhooks.verify()</code> of the SDK.
        </p>
      </Dialog>
    );
  }

  return (
    <EndpointDialog
      title="Add a webhook endpoint"
      submitLabel="Add endpoint"
      pendingLabel="Adding…"
      pending={create.isPending}
      error={create.error}
      onSubmit={(input) => create.mutate(input)}
      onClose={close}
    />
  );
}

/** Settings → Integrations → Webhooks: the endpoints that receive this environment's events. */
export function WebhooksPage() {
  const { role, isAdmin } = useRole();
  const [creating, setCreating] = useState(false);
  const pages = useCursorPages();
  const endpoints = useQuery({
    queryKey: [...webhooksKey, 'list', pages.cursor ?? null],
    queryFn: () =>
      client.webhooks.list({ limit: 25, ...(pages.cursor ? { cursor: pages.cursor } : {}) }).firstPage(),
    enabled: isAdmin,
    placeholderData: keepPreviousData,
  });

  return (
    <section className="page" aria-labelledby="webhooks-title">
      <SettingsHeader
        id="webhooks-title"
        eyebrow="Settings · Integrations"
        title="Webhooks"
        lead="Audenci POSTs signed events to your endpoints as they happen: posts published or failed, comments, jobs."
        action={
          isAdmin ? (
            <button type="button" className="button button--primary" onClick={() => setCreating(true)}>
              Add endpoint
            </button>
          ) : null
        }
      />
      <div className="panel">
        {!isAdmin ? (
          <AdminsOnly what="webhooks" role={role} />
        ) : (
          <PagedTable
            query={endpoints}
            pages={pages}
            loading="Loading webhook endpoints…"
            empty={
              <Empty title="No webhook endpoints yet">
                Add an endpoint to be told when posts are published, fail, or receive comments.
              </Empty>
            }
            label="Webhook endpoints list"
            columns={
              <>
                <th scope="col">Endpoint</th>
                <th scope="col">Events</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
              </>
            }
            row={(endpoint) => (
              <tr key={endpoint.id}>
                <td data-label="Endpoint" className="table__primary">
                  <Link
                    to="/settings/webhooks/$webhookId"
                    params={{ webhookId: endpoint.id }}
                    className="table__link"
                  >
                    {endpoint.url}
                  </Link>
                  {endpoint.description ? <span className="table__sub">{endpoint.description}</span> : null}
                </td>
                <td data-label="Events">{eventsText(endpoint.events)}</td>
                <td data-label="Status">
                  <EndpointStatus endpoint={endpoint} />
                </td>
                <td data-label="Created">{formatDateTime(endpoint.createdAt)}</td>
              </tr>
            )}
          />
        )}
      </div>
      <CreateWebhookDialog open={creating} onClose={() => setCreating(false)} />
    </section>
  );
}
