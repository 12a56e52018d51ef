import type { FormEvent, ReactNode } from 'react';

/** The message above a form: an error no field owns (wrong password, throttling, a network failure). */
export function FormAlert({
  message,
  id,
  wide,
}: {
  message: string | undefined;
  id?: string;
  wide?: boolean;
}) {
  return message ? (
    <div className={`alert alert--error${wide ? ' form__wide' : ''}`} id={id} role="alert">
      {message}
    </div>
  ) : null;
}

/** A form's submit button: `pendingLabel` while the request runs, when it is also disabled. */
export function SubmitButton({
  label,
  pendingLabel,
  pending,
  disabled = false,
  variant = 'primary',
  block = false,
}: {
  label: string;
  pendingLabel: string;
  pending: boolean;
  /** Disabled for another reason too, e.g. nothing changed yet. */
  disabled?: boolean;
  variant?: 'primary' | 'secondary' | 'danger';
  /** Full width, as on the signed-out pages. */
  block?: boolean;
}) {
  return (
    <button
      type="submit"
      className={`button button--${variant}${block ? ' button--block' : ''}`}
      disabled={pending || disabled}
    >
      {pending ? pendingLabel : label}
    </button>
  );
}

/**
 * The row under a form's fields: a live status line when `status` is given ("Saved."; keep it given,
 * empty, so screen readers hear it change), Cancel when the form can be left, then the submit button.
 */
export function FormActions({
  onCancel,
  status,
  ...submit
}: Parameters<typeof SubmitButton>[0] & { onCancel?: () => void; status?: string }) {
  return (
    <div className="form__actions">
      {status === undefined ? null : (
        <span role="status" className="form__status">
          {status}
        </span>
      )}
      {onCancel ? (
        <button type="button" className="button button--secondary" onClick={onCancel}>
          Cancel
        </button>
      ) : null}
      <SubmitButton {...submit} />
    </div>
  );
}

/**
 * A form of the app: the browser's own validation off (the API's messages are shown instead), the page
 * not reloaded on submit, and the error no field owns above the fields. With `errorId` the form is
 * described by that error while it shows. A `row` form (a select and a button on one line, as on the
 * social accounts page) shows that error under the row, across its width.
 */
export function Form({
  onSubmit,
  error,
  errorId,
  row = false,
  label,
  before,
  children,
}: {
  onSubmit: () => void;
  error?: string;
  errorId?: string;
  row?: boolean;
  /** The form's accessible name, where no heading names it. */
  label?: string;
  /** What stands above the error, e.g. a dialog's explanation. */
  before?: ReactNode;
  children: ReactNode;
}) {
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    onSubmit();
  };
  return (
    <form
      className={row ? 'form__row' : 'form'}
      onSubmit={submit}
      noValidate
      aria-label={label}
      aria-describedby={errorId && error ? errorId : undefined}
    >
      {before}
      {row ? null : <FormAlert message={error} id={errorId} />}
      {children}
      {row ? <FormAlert message={error} id={errorId} wide /> : null}
    </form>
  );
}
