import { useId, useMemo } from 'react';
import { FieldFrame } from './field';

/** Every IANA zone this browser knows (UTC included), for the time-zone fields. */
export function timeZones(): string[] {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return zones.includes('UTC') ? zones : ['UTC', ...zones];
}

/** The browser's own zone: the default of a new brand. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/**
 * A searchable choice among the IANA time zones: a text input whose list (`<datalist>`) narrows as the
 * person types ("paris", "America/"), usable from the keyboard; a value not in the list is refused by the
 * form with a message under the field.
 */
export function TimeZoneField({
  value,
  onChange,
  error,
  name = 'timezone',
}: {
  value: string;
  onChange: (value: string) => void;
  error?: string;
  name?: string;
}) {
  const zones = useMemo(timeZones, []);
  const listId = `${useId()}-zones`;
  return (
    <FieldFrame
      label="Time zone"
      hint="Type to search, e.g. “Paris” or “America/”. Posts are scheduled in this zone."
      error={error}
    >
      {(control) => (
        <>
          <input
            {...control}
            name={name}
            className="field__input"
            list={listId}
            value={value}
            autoComplete="off"
            spellCheck={false}
            onChange={(event) => onChange(event.target.value)}
          />
          <datalist id={listId}>
            {zones.map((zone) => (
              <option key={zone} value={zone} />
            ))}
          </datalist>
        </>
      )}
    </FieldFrame>
  );
}
