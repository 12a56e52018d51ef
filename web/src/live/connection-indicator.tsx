import { useLiveStatus } from './live-provider';

const LABELS = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…' } as const;

/**
 * The header's small sign of the live stream: Live when pages update by themselves, Reconnecting… while
 * the connection is lost (pages then show what they last loaded).
 */
export function ConnectionIndicator() {
  const status = useLiveStatus();
  return (
    <span
      className={`live-indicator live-indicator--${status}`}
      title={
        status === 'live'
          ? 'Pages update as things happen'
          : 'The live connection is down: pages may be out of date until it is back'
      }
      data-status={status}
    >
      <span className="live-indicator__dot" aria-hidden="true" />
      <span className="live-indicator__label">{LABELS[status]}</span>
    </span>
  );
}
