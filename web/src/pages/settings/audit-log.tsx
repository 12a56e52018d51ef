import { useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { Schemas } from '@audenci/sdk-js';
import { client } from '../../api/client';
import { listMembers } from '../../api/people';
import { formatDateTime } from '../../components/format';
import { PagedTable } from '../../components/paged-table';
import { useCursorPages } from '../../components/pager';
import { SelectField } from '../../components/select-field';
import { Empty } from '../../components/states';

type AuditEntry = Schemas['AuditEntry'];

/** The actions the server records, grouped as the filter offers them (`<object>.<verb>`). */
const ACTION_GROUPS: { label: string; actions: string[] }[] = [
  { label: 'API keys', actions: ['api_key.created', 'api_key.revoked', 'api_key.rotated'] },
  {
    label: 'Webhooks',
    actions: [
      'webhook_endpoint.created',
      'webhook_endpoint.updated',
      'webhook_endpoint.secret_rotated',
      'webhook_endpoint.deleted',
    ],
  },
  {
    label: 'Members',
    actions: [
      'member.invited',
      'member.joined',
      'member.role_changed',
      'member.removed',
      'member.left',
      'invitation.revoked',
      'organization.updated',
    ],
  },
  {
    label: 'Sign-in and security',
    actions: [
      'session.signed_in',
      'session.sign_in_failed',
      'session.signed_out',
      'session.revoked',
      'session.revoked_others',
      'user.password_changed',
      'user.password_reset',
      'user.password_reset_requested',
      'user.two_factor_enabled',
      'user.two_factor_disabled',
    ],
  },
];

const PAGE_SIZE = 25;

/** The audit log of this environment and of the organization itself, newest first (admins only). */
export function AuditLogPanel() {
  const [action, setAction] = useState('');
  const pages = useCursorPages();
  const entries = useQuery({
    queryKey: ['audit-log', action, pages.cursor ?? null],
    queryFn: () =>
      client.auditLog
        .list({
          limit: PAGE_SIZE,
          ...(action ? { action } : {}),
          ...(pages.cursor ? { cursor: pages.cursor } : {}),
        })
        .firstPage(),
    placeholderData: keepPreviousData,
  });
  // Names for the user ids the entries carry (the members list is already cached by the page).
  const members = useQuery({ queryKey: ['members'], queryFn: () => listMembers({ limit: 100 }) });
  const names = new Map((members.data?.data ?? []).map((m) => [m.userId, m.name || m.email]));

  const actor = (entry: AuditEntry) => {
    if (entry.actor.type === 'system') return 'Audenci';
    if (entry.actor.type === 'api_key') return `API key ${entry.actor.id ?? ''}`.trim();
    return (entry.actor.id && names.get(entry.actor.id)) ?? entry.actor.id ?? 'Someone';
  };

  return (
    <section className="panel" aria-labelledby="audit-title">
      <div className="panel__header">
        <h2 id="audit-title" className="panel__title">
          Audit log
        </h2>
        <div className="panel__filters">
          <SelectField
            label="Action"
            name="action"
            value={action}
            onChange={(e) => {
              setAction(e.target.value);
              pages.reset();
            }}
          >
            <option value="">All actions</option>
            {ACTION_GROUPS.map((group) => (
              <optgroup key={group.label} label={group.label}>
                {group.actions.map((a) => (
                  <option key={a} value={a}>
                    {a}
                  </option>
                ))}
              </optgroup>
            ))}
          </SelectField>
        </div>
      </div>
      <PagedTable
        query={entries}
        pages={pages}
        loading="Loading the audit log…"
        empty={<Empty title={action ? `No ${action} entries` : 'Nothing recorded yet'} />}
        label="Audit log entries"
        columns={
          <>
            <th scope="col">When</th>
            <th scope="col">Action</th>
            <th scope="col">Actor</th>
            <th scope="col">Target</th>
            <th scope="col">Address</th>
          </>
        }
        row={(entry) => (
          <tr key={entry.id}>
            <td data-label="When" className="table__nowrap">
              {formatDateTime(entry.createdAt)}
            </td>
            <td data-label="Action" className="table__primary">
              <code>{entry.action}</code>
              {entry.environment === 'test' ? <span className="table__sub">Test mode</span> : null}
            </td>
            <td data-label="Actor" className="break">
              {actor(entry)}
            </td>
            <td data-label="Target" className="break">
              {entry.target ? `${entry.target.type} ${entry.target.id}` : '—'}
            </td>
            <td data-label="Address">{entry.ip ?? '—'}</td>
          </tr>
        )}
      />
    </section>
  );
}
