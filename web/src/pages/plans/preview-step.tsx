import { useState } from 'react';
import type { PlanItem, PlanSummary, PlatformRules } from '@audenci/sdk-js';
import { Empty } from '../../components/states';
import { ItemDialog } from './item-dialog';
import { itemLabel, PlanCalendar, type CalendarItem } from './plan-calendar';
import { formatShortDay, wallAt } from '../../components/zoned-time';
import { platformNamer } from '../../api/platforms';

export type PreviewItem = PlanItem & { key: string; error?: string };

/** The preview as the person is editing it: the items kept (edited in place) and those dropped. */
export interface PreviewState {
  summary: PlanSummary;
  items: PreviewItem[];
  dropped: PreviewItem[];
}

/** The preview on a calendar: edit or drop any item, restore dropped ones, then go on to save. */
export function PreviewStep({
  preview,
  rules,
  onChange,
  onBack,
  onNext,
}: {
  preview: PreviewState;
  rules: PlatformRules[];
  onChange: (preview: PreviewState) => void;
  onBack: () => void;
  onNext: () => void;
}) {
  const [editing, setEditing] = useState<CalendarItem>();
  const [status, setStatus] = useState('');
  const [nextError, setNextError] = useState<string>();
  const { summary, items, dropped } = preview;
  const zone = summary.timezone;
  const range = { start: Date.parse(summary.startDate), end: Date.parse(summary.endDate) };
  const name = platformNamer(rules);
  const invalid = items.filter((i) => i.error).length;

  const drop = (item: CalendarItem) => {
    const found = items.find((i) => i.key === item.key)!;
    onChange({ ...preview, items: items.filter((i) => i.key !== item.key), dropped: [...dropped, found] });
    setStatus(`Dropped the ${itemLabel(item, zone, name)}.`);
  };
  const restore = () => {
    onChange({ ...preview, items: [...items, ...dropped], dropped: [] });
    setStatus(`Restored ${dropped.length} dropped ${dropped.length === 1 ? 'item' : 'items'}.`);
  };
  const save = (edited: CalendarItem) => {
    onChange({
      ...preview,
      items: items.map((i) => (i.key === edited.key ? { ...i, ...edited } : i)),
    });
    setEditing(undefined);
    setStatus(`Changed the ${itemLabel(edited, zone, name)}.`);
  };
  const next = () => {
    if (items.length === 0) setNextError('Keep at least one item, or restore the dropped ones.');
    else onNext();
  };

  return (
    <div className="stack">
      <p className="plan-summary">
        <strong>{items.length}</strong> {items.length === 1 ? 'post' : 'posts'} from{' '}
        {formatShortDay(wallAt(zone, range.start).date)} to {formatShortDay(wallAt(zone, range.end - 1).date)}
        , times in {zone}.{' '}
        {Object.entries(summary.unplaced).some(([, n]) => n > 0)
          ? 'Some posts found no free posting time and were left out.'
          : ''}
      </p>
      {invalid ? (
        <div className="alert alert--error" role="alert">
          {invalid === 1 ? 'One item needs' : `${invalid} items need`} a change before the plan can be saved:
          see the marked {invalid === 1 ? 'card' : 'cards'}.
        </div>
      ) : null}
      {items.length ? (
        <PlanCalendar
          items={items}
          zone={zone}
          start={range.start}
          end={range.end}
          platformName={name}
          onEdit={setEditing}
          onDrop={drop}
          caption="The plan’s posts"
        />
      ) : (
        <Empty title="Every item is dropped">Restore them, or go back and change the plan.</Empty>
      )}
      <p role="status" className="form__status">
        {status}
      </p>
      {dropped.length ? (
        <p>
          {dropped.length} dropped {dropped.length === 1 ? 'item' : 'items'}.{' '}
          <button type="button" className="button button--ghost button--small" onClick={restore}>
            Restore dropped items
          </button>
        </p>
      ) : null}
      {nextError && items.length === 0 ? (
        <div className="alert alert--error" role="alert">
          {nextError}
        </div>
      ) : null}
      <div className="wizard__nav">
        <button type="button" className="button button--secondary" onClick={onBack}>
          Back
        </button>
        <button type="button" className="button button--primary" onClick={next}>
          Next
        </button>
      </div>
      {editing ? (
        <ItemDialog
          item={editing}
          zone={zone}
          range={range}
          rules={rules.find((r) => r.platform === editing.platform)}
          label={itemLabel(editing, zone, name)}
          onSave={save}
          onClose={() => setEditing(undefined)}
        />
      ) : null}
    </div>
  );
}
