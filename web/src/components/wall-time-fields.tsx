import { Field } from './field';

/** A date field and a time field side by side: a wall-clock time in some zone (read with `readWallFields`). */
export function WallTimeFields({
  date,
  time,
  onDate,
  onTime,
  errors,
  hint,
}: {
  date: string;
  time: string;
  onDate: (date: string) => void;
  onTime: (time: string) => void;
  errors: { date?: string; time?: string };
  /** Under the time field: which clock it is on. */
  hint?: string;
}) {
  return (
    <>
      <Field
        label="Date"
        name="date"
        type="date"
        value={date}
        onChange={(e) => onDate(e.target.value)}
        error={errors.date}
      />
      <Field
        label="Time"
        name="time"
        type="time"
        value={time}
        onChange={(e) => onTime(e.target.value)}
        error={errors.time}
        hint={hint}
      />
    </>
  );
}
