import { useState } from 'react';
import type { PlatformRules } from '@audenci/sdk-js';
import { Field } from '../../components/field';
import { FormDialog } from '../../components/form-dialog';
import { TextAreaField } from '../../components/textarea-field';
import type { CalendarItem } from './plan-calendar';
import { wallAt, wallToUtc } from '../../components/zoned-time';

/** What the dialog refuses before the server sees it. */
function problemsOf(
  draft: { caption: string; date: string; time: string },
  at: number,
  range: { start: number; end: number },
  rules: PlatformRules | undefined,
) {
  const problems: Partial<Record<'caption' | 'date' | 'time', string>> = {};
  const caption = draft.caption.trim();
  if (!caption) problems.caption = 'Write a caption.';
  else if (rules?.text.counting === 'characters' && [...caption].length > rules.text.maxLength)
    problems.caption = `${rules.displayName} takes at most ${rules.text.maxLength.toLocaleString()} characters.`;
  if (!draft.date) problems.date = 'Choose a day.';
  else if (!draft.time) problems.time = 'Choose a time.';
  else if (Number.isNaN(at)) problems.date = 'This is not a date and time.';
  else if (at < range.start || at >= range.end) problems.date = 'Choose a day inside the plan’s dates.';
  else if (at <= Date.now()) problems.time = 'Choose a time in the future.';
  return problems;
}

/** Edits one plan item's caption, day and time (in the plan's zone); nothing is sent until the plan is saved. */
export function ItemDialog({
  item,
  zone,
  range,
  rules,
  label,
  onSave,
  onClose,
}: {
  item: CalendarItem;
  zone: string;
  range: { start: number; end: number };
  rules: PlatformRules | undefined;
  label: string;
  onSave: (item: CalendarItem) => void;
  onClose: () => void;
}) {
  const wall = wallAt(zone, Date.parse(item.scheduledFor));
  const [draft, setDraft] = useState({ caption: item.caption, date: wall.date, time: wall.time });
  const [errors, setErrors] = useState<Partial<Record<'caption' | 'date' | 'time', string>>>({});
  const length = [...draft.caption.trim()].length;
  const save = () => {
    const at = wallToUtc(zone, draft.date, draft.time);
    const problems = problemsOf(draft, at, range, rules);
    setErrors(problems);
    if (Object.keys(problems).length) return;
    onSave({
      ...item,
      caption: draft.caption.trim(),
      scheduledFor: new Date(at).toISOString(),
      error: undefined,
    });
  };
  const limit = rules
    ? `${length.toLocaleString()} / ${rules.text.maxLength.toLocaleString()}${rules.text.counting === 'characters' ? ' characters' : ' (X counts links and emoji by its own rules)'}`
    : undefined;
  return (
    <FormDialog
      title={`Edit the ${label}`}
      intro={`Times are in ${zone}. The change is kept when the plan is saved.`}
      onClose={onClose}
      onSubmit={save}
      error={undefined}
      submitLabel="Keep changes"
      pendingLabel="Keeping…"
      pending={false}
    >
      <TextAreaField
        label="Caption"
        name="caption"
        rows={6}
        value={draft.caption}
        hint={limit}
        error={errors.caption}
        onChange={(e) => setDraft((d) => ({ ...d, caption: e.target.value }))}
      />
      <div className="plan-form__pair">
        <Field
          label="Day"
          name="date"
          type="date"
          value={draft.date}
          error={errors.date}
          onChange={(e) => setDraft((d) => ({ ...d, date: e.target.value }))}
        />
        <Field
          label="Time"
          name="time"
          type="time"
          value={draft.time}
          error={errors.time}
          onChange={(e) => setDraft((d) => ({ ...d, time: e.target.value }))}
        />
      </div>
    </FormDialog>
  );
}
