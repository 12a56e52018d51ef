import type { ReactNode } from 'react';
import { Dialog } from './dialog';
import { Form, FormActions } from './form';

/**
 * A dialog holding one form: the text that explains it, the error no field owns, the fields
 * (`children`), then Cancel and the submit button. Focus moves to the first field on opening and back
 * to the opener on closing; Escape, the × and Cancel all call `onClose`.
 *
 * ```tsx
 * <FormDialog title="Create an API key" onClose={close} onSubmit={() => create.mutate()}
 *   error={form} submitLabel="Create key" pendingLabel="Creating…" pending={create.isPending}>
 *   <Field label="Name" … error={field.name} />
 * </FormDialog>
 * ```
 */
export function FormDialog({
  open = true,
  title,
  intro,
  onClose,
  onSubmit,
  error,
  submitLabel,
  pendingLabel,
  pending,
  submitDisabled,
  requestId,
  children,
}: {
  /** Rendered only while open (default: open, for a dialog that is mounted only when shown). */
  open?: boolean;
  title: string;
  /** A sentence or two above the fields on what submitting does. */
  intro?: ReactNode;
  onClose: () => void;
  onSubmit: () => void;
  /** The message no field owns (see `placeProblem`), shown above the fields. */
  error: string | undefined;
  submitLabel: string;
  pendingLabel: string;
  pending: boolean;
  /** Disabled for another reason than a pending request, e.g. nothing changed yet. */
  submitDisabled?: boolean;
  /** The failed request's id, shown under the buttons to quote to support. */
  requestId?: string;
  children: ReactNode;
}) {
  return (
    <Dialog open={open} title={title} onClose={onClose}>
      <Form
        onSubmit={onSubmit}
        error={error}
        before={intro ? <p className="dialog__text">{intro}</p> : undefined}
      >
        {children}
        <FormActions
          onCancel={onClose}
          label={submitLabel}
          pendingLabel={pendingLabel}
          pending={pending}
          disabled={submitDisabled}
        />
        {requestId ? <p className="state__meta">Request id: {requestId}</p> : null}
      </Form>
    </Dialog>
  );
}
