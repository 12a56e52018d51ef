import { useId, type InputHTMLAttributes, type ReactNode } from 'react';

/** What the control inside a `FieldFrame` spreads onto itself: its id and its ties to the hint and error. */
export interface FieldControlProps {
  id: string;
  'aria-invalid': true | undefined;
  'aria-describedby': string | undefined;
}

/**
 * A form control's label, hint and error, wired for assistive technology: the label names the control,
 * the hint and the error describe it (`aria-describedby`), and an error marks it invalid. `children` is
 * the control, given the props to spread onto it; every field component of the app is built on this.
 */
export function FieldFrame({
  label,
  hint,
  error,
  children,
}: {
  label: string;
  hint?: ReactNode;
  /** The message shown under the control (an API `details.field`, or the form's own check). */
  error?: string;
  children: (control: FieldControlProps) => ReactNode;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : '', error ? errorId : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' field--invalid' : ''}`}>
      <label className="field__label" htmlFor={id}>
        {label}
      </label>
      {children({ id, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy })}
      {hint ? (
        <p className="field__hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p className="field__error" id={errorId}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** What every field component takes besides its control's own attributes. */
export interface FieldFrameProps {
  label: string;
  /** The message shown under the control and tied to it by `aria-describedby` (an API `details.field`). */
  error?: string;
  hint?: string;
}

interface FieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'id'>, FieldFrameProps {}

/** A labelled input with its hint and error, wired for assistive technology. */
export function Field({ label, error, hint, ...input }: FieldProps) {
  return (
    <FieldFrame label={label} hint={hint} error={error}>
      {(control) => <input {...input} {...control} className="field__input" />}
    </FieldFrame>
  );
}

type PresetProps = Omit<FieldProps, 'label' | 'type'>;

/** The email an account signs in with (the browser's password manager knows it as the username). */
export function EmailField(props: PresetProps) {
  return <Field label="Email" type="email" name="email" autoComplete="username" required {...props} />;
}

/** A password: `autoComplete` tells the password manager to fill one (`current-password`) or suggest one. */
export function PasswordField(props: PresetProps & { autoComplete: 'current-password' | 'new-password' }) {
  return <Field label="Password" type="password" name="password" required {...props} />;
}
