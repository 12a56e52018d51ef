import { useState, type ChangeEvent } from 'react';

/** What a bound `Field` takes: its name, value, change handler and the API's message for it. */
export interface BoundField<N extends string> {
  name: N;
  value: string;
  onChange: (event: ChangeEvent<HTMLInputElement>) => void;
  error: string | undefined;
}

/**
 * The values of a form's text fields, one state for all: `bind(name, errors)` gives a `Field` its value,
 * its change handler and its error from the problem's `details.field` (see `placeProblem`).
 */
export function useFieldValues<N extends string>(names: readonly N[]) {
  const [values, setValues] = useState(
    () => Object.fromEntries(names.map((name) => [name, ''])) as Record<N, string>,
  );
  const bind = (name: N, errors: Partial<Record<N, string>>): BoundField<N> => ({
    name,
    value: values[name],
    onChange: (event) => {
      const { value } = event.target;
      setValues((current) => ({ ...current, [name]: value }));
    },
    error: errors[name],
  });
  return { values, bind };
}
