import { useId, useState } from 'react';
import type { Schemas } from '@audenci/sdk-js';
import { EVENT_TYPES } from '../../api/event-types';
import { Badge } from '../../components/badge';
import { Field } from '../../components/field';
import { FormDialog } from '../../components/form-dialog';
import { formProblem } from './settings-shared';

export type WebhookEndpoint = Schemas['WebhookEndpoint'];
export type WebhookDelivery = Schemas['WebhookDelivery'];
export type WebhookEventType = Exclude<WebhookDelivery['eventType'], 'webhook.test'>;

/**
 * The event types an endpoint can subscribe to: every event type (the `eventType` enum of a delivery,
 * less `webhook.test`). The check below fails the type check if the two enums ever part.
 */
export const WEBHOOK_EVENTS = EVENT_TYPES satisfies readonly WebhookEventType[];
type Missing = Exclude<WebhookEventType, (typeof WEBHOOK_EVENTS)[number]>;
const everyEventListed: [Missing] extends [never] ? true : Missing = true;
void everyEventListed;

export const webhooksKey = ['webhooks'] as const;

/** Why Audenci turned an endpoint off, in words. */
export function disabledReasonText(endpoint: WebhookEndpoint): string {
  if (endpoint.enabled) return '';
  switch (endpoint.disabledReason) {
    case 'gone':
      return 'Disabled by Audenci: the endpoint answered 410 Gone.';
    case 'failing':
      return 'Disabled by Audenci: every delivery attempt failed for too long.';
    default:
      return 'Disabled by an admin.';
  }
}

export function eventsText(events: readonly string[]): string {
  return events.includes('*') ? 'All events' : events.join(', ');
}

export interface EndpointInput {
  url: string;
  description: string | null;
  events: string[];
}

/**
 * The endpoint dialog (create and edit): URL, description, and the events as checkboxes. Mount it only
 * while shown: its fields start from `initial` each time.
 */
export function EndpointDialog({
  title,
  initial,
  submitLabel,
  pendingLabel,
  pending,
  error,
  onSubmit,
  onClose,
}: {
  title: string;
  initial?: EndpointInput;
  submitLabel: string;
  pendingLabel: string;
  pending: boolean;
  error: unknown;
  onSubmit: (input: EndpointInput) => void;
  onClose: () => void;
}) {
  const [url, setUrl] = useState(initial?.url ?? '');
  const [description, setDescription] = useState(initial?.description ?? '');
  const [all, setAll] = useState(initial ? initial.events.includes('*') : false);
  const [events, setEvents] = useState<string[]>(initial?.events.filter((e) => e !== '*') ?? []);
  const [localError, setLocalError] = useState<string>();
  const groupId = useId();
  const { field, form } = formProblem(error, ['url', 'description', 'events'] as const);
  const eventsError = localError ?? field.events;

  const submit = () => {
    if (!all && events.length === 0) {
      setLocalError('Choose at least one event, or all events.');
      return;
    }
    setLocalError(undefined);
    onSubmit({ url: url.trim(), description: description.trim() || null, events: all ? ['*'] : events });
  };

  const toggle = (type: string, on: boolean) =>
    setEvents((current) => (on ? [...current, type] : current.filter((e) => e !== type)));

  return (
    <FormDialog
      title={title}
      onClose={onClose}
      onSubmit={submit}
      error={form}
      submitLabel={submitLabel}
      pendingLabel={pendingLabel}
      pending={pending}
    >
      <Field
        label="Endpoint URL"
        name="url"
        type="url"
        inputMode="url"
        placeholder="https://example.com/webhooks/audenci"
        value={url}
        onChange={(e) => setUrl(e.target.value)}
        error={field.url}
        hint="Deliveries are POSTed here, signed with the endpoint's secret (Standard Webhooks)."
        required
        autoFocus
      />
      <Field
        label="Description (optional)"
        name="description"
        value={description}
        onChange={(e) => setDescription(e.target.value)}
        error={field.description}
        maxLength={500}
      />
      <fieldset
        className={`field fieldset${eventsError ? ' field--invalid' : ''}`}
        aria-describedby={eventsError ? `${groupId}-error` : undefined}
      >
        <legend className="field__label">Events</legend>
        <label className="check check--strong">
          <input type="checkbox" name="all-events" checked={all} onChange={(e) => setAll(e.target.checked)} />
          All events, including types added later
        </label>
        <div className="checks">
          {WEBHOOK_EVENTS.map((type) => (
            <label className="check" key={type}>
              <input
                type="checkbox"
                name="events"
                value={type}
                disabled={all}
                checked={all || events.includes(type)}
                onChange={(e) => toggle(type, e.target.checked)}
              />
              <code>{type}</code>
            </label>
          ))}
        </div>
        {eventsError ? (
          <p className="field__error" id={`${groupId}-error`}>
            {eventsError}
          </p>
        ) : null}
      </fieldset>
    </FormDialog>
  );
}

/** Enabled, failing (still enabled, every recent attempt failed) or disabled. */
export function EndpointStatus({ endpoint }: { endpoint: WebhookEndpoint }) {
  if (endpoint.enabled)
    return endpoint.failingSince ? (
      <Badge tone="warning">Failing</Badge>
    ) : (
      <Badge tone="success">Enabled</Badge>
    );
  return <Badge tone={endpoint.disabledReason ? 'danger' : 'neutral'}>Disabled</Badge>;
}
