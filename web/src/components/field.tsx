import { useId, type InputHTMLAttributes } from 'react';

interface FieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'id'> {
  label: string;
  /** The message shown under the input and tied to it by `aria-describedby` (an API `details.field`). */
  error?: string;
  hint?: string;
}

/** A labelled input with its hint and error, wired for assistive technology. */
export function Field({ label, error, hint, ...input }: FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : '', error ? errorId : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' field--invalid' : ''}`}>
      <label className="field__label" htmlFor={id}>
        {label}
      </label>
      <input
        {...input}
        id={id}
        className="field__input"
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
      />
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

type PresetProps = Omit<FieldProps, 'label' | 'type'>;

/** The email an account signs in with (the browser's password manager knows it as the username). */
export function EmailField(props: PresetProps) {
  return <Field label="Email" type="email" name="email" autoComplete="username" required {...props} />;
}

/** A password: `autoComplete` tells the password manager to fill one (`current-password`) or suggest one. */
export function PasswordField(props: PresetProps & { autoComplete: 'current-password' | 'new-password' }) {
  return <Field label="Password" type="password" name="password" required {...props} />;
}
