import { useState, type ReactNode } from 'react';
import { toProblem } from '../api/problem';
import { Dialog } from './dialog';

/**
 * A button for an action that cannot be undone (revoke, delete, remove): it opens a dialog that says what
 * will happen, and only its confirm button acts. The action's error is shown in the dialog.
 */
export function ConfirmButton({
  label,
  title,
  confirmLabel,
  children,
  onConfirm,
  tone = 'danger',
  buttonClass = 'button button--secondary button--small',
  accessibleLabel,
}: {
  label: string;
  title: string;
  confirmLabel: string;
  children: ReactNode;
  onConfirm: () => Promise<unknown>;
  tone?: 'danger' | 'primary';
  buttonClass?: string;
  /** A longer name for screen readers when `label` repeats in a list ("Revoke" → "Revoke key CI"). */
  accessibleLabel?: string;
}) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm();
      setOpen(false);
    } catch (failure) {
      setError(toProblem(failure).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <button
        type="button"
        className={buttonClass}
        aria-label={accessibleLabel}
        onClick={() => setOpen(true)}
      >
        {label}
      </button>
      <Dialog
        open={open}
        title={title}
        onClose={() => setOpen(false)}
        footer={
          <>
            <button type="button" className="button button--secondary" onClick={() => setOpen(false)}>
              Cancel
            </button>
            <button
              type="button"
              className={`button ${tone === 'danger' ? 'button--danger' : 'button--primary'}`}
              onClick={() => void confirm()}
              disabled={busy}
            >
              {busy ? 'Working…' : confirmLabel}
            </button>
          </>
        }
      >
        <div className="dialog__text">{children}</div>
        {error ? (
          <div className="alert alert--error" role="alert">
            {error}
          </div>
        ) : null}
      </Dialog>
    </>
  );
}
