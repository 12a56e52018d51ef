import type { ReactNode, SelectHTMLAttributes } from 'react';
import { FieldFrame, type FieldFrameProps } from './field';

interface SelectFieldProps extends Omit<SelectHTMLAttributes<HTMLSelectElement>, 'id'>, FieldFrameProps {
  children: ReactNode;
}

/** A labelled `<select>` with its hint and error, like `Field`. */
export function SelectField({ label, error, hint, children, ...select }: SelectFieldProps) {
  return (
    <FieldFrame label={label} hint={hint} error={error}>
      {(control) => (
        <select {...select} {...control} className="field__input field__select">
          {children}
        </select>
      )}
    </FieldFrame>
  );
}
