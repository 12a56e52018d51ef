import { useId } from 'react';
import { CopyButton } from './copy-button';

/**
 * A secret (an API key, a signing secret, a link) shown this once: the value in a monospace box, a copy
 * button, and the warning that it cannot be shown again.
 */
export function SecretOnce({
  label,
  value,
  warning = 'Copy it now and keep it somewhere safe: it will not be shown again.',
}: {
  label: string;
  value: string;
  warning?: string;
}) {
  const id = useId();
  return (
    <div className="secret">
      <p className="secret__label" id={`${id}-label`}>
        {label}
      </p>
      <div className="secret__row">
        <code className="secret__value" id={`${id}-value`} aria-labelledby={`${id}-label`} tabIndex={0}>
          {value}
        </code>
        <CopyButton value={value} target={`${id}-value`} />
      </div>
      {warning ? (
        <p className="secret__warning" role="note">
          {warning}
        </p>
      ) : null}
    </div>
  );
}
