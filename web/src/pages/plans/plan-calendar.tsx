import type { PlatformName } from './plans-api';
import { shiftDate, formatShortDay, mondayIndex, wallAt } from '../../components/zoned-time';

/** One card of the calendar: a plan item as the page holds it (`key` is stable while items are edited). */
export interface CalendarItem {
  key: string;
  platform: PlatformName;
  scheduledFor: string;
  caption: string;
  pillar: string;
  /** What the server said about this item when the plan was saved. */
  error?: string;
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** The weeks (Monday first) covering [start, end) in `zone`, as rows of `YYYY-MM-DD` (null: outside). */
function weeksOf(zone: string, start: number, end: number): (string | null)[][] {
  const first = wallAt(zone, start).date;
  const last = wallAt(zone, end - 1).date;
  const weeks: (string | null)[][] = [];
  let day = shiftDate(first, -mondayIndex(first));
  while (day <= last) {
    const week: (string | null)[] = [];
    for (let i = 0; i < 7; i++, day = shiftDate(day, 1)) week.push(day >= first && day <= last ? day : null);
    weeks.push(week);
  }
  return weeks;
}

/** "Edit the X post of Mon, 8 Jun at 09:00": a card's buttons named for a screen reader. */
export function itemLabel(item: CalendarItem, zone: string, platformName: (p: string) => string): string {
  const wall = wallAt(zone, Date.parse(item.scheduledFor));
  return `${platformName(item.platform)} post of ${formatShortDay(wall.date)} at ${wall.time}`;
}

/**
 * A plan's items on a calendar in the plan's time zone: one row a week, one cell a day, each item a card
 * with its platform, time, pillar and caption. With `onEdit` and `onDrop` each card has Edit and Drop.
 * On a phone the grid becomes a list of the days that hold items.
 */
export function PlanCalendar({
  items,
  zone,
  start,
  end,
  platformName,
  onEdit,
  onDrop,
  caption = 'Planned posts',
}: {
  items: CalendarItem[];
  zone: string;
  start: number;
  end: number;
  platformName: (platform: string) => string;
  onEdit?: (item: CalendarItem) => void;
  onDrop?: (item: CalendarItem) => void;
  caption?: string;
}) {
  const byDay = new Map<string, CalendarItem[]>();
  for (const item of [...items].sort((a, b) => a.scheduledFor.localeCompare(b.scheduledFor))) {
    const day = wallAt(zone, Date.parse(item.scheduledFor)).date;
    byDay.set(day, [...(byDay.get(day) ?? []), item]);
  }
  const weeks = weeksOf(zone, start, end);
  return (
    <div className="plan-cal-wrap">
      <table className="plan-cal">
        <caption className="visually-hidden">
          {caption}, by week ({zone})
        </caption>
        <thead>
          <tr>
            {WEEKDAYS.map((day) => (
              <th key={day} scope="col">
                {day}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {weeks.map((week) => (
            <tr key={week.find(Boolean) ?? ''}>
              {week.map((day, i) => {
                const dayItems = day ? (byDay.get(day) ?? []) : [];
                return (
                  <td
                    key={day ?? `out-${i}`}
                    className={`plan-cal__day${day ? '' : ' plan-cal__day--out'}${dayItems.length ? '' : ' plan-cal__day--empty'}`}
                  >
                    {day ? <span className="plan-cal__date">{formatShortDay(day)}</span> : null}
                    {dayItems.length ? (
                      <ul className="plan-cal__items">
                        {dayItems.map((item) => (
                          <li key={item.key}>
                            <Card
                              item={item}
                              zone={zone}
                              platformName={platformName}
                              onEdit={onEdit}
                              onDrop={onDrop}
                            />
                          </li>
                        ))}
                      </ul>
                    ) : null}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Card({
  item,
  zone,
  platformName,
  onEdit,
  onDrop,
}: {
  item: CalendarItem;
  zone: string;
  platformName: (platform: string) => string;
  onEdit?: (item: CalendarItem) => void;
  onDrop?: (item: CalendarItem) => void;
}) {
  const label = itemLabel(item, zone, platformName);
  return (
    <article
      className={`plan-card plan-card--${item.platform}${item.error ? ' plan-card--invalid' : ''}`}
      aria-label={label}
    >
      <p className="plan-card__head">
        <span className="plan-card__platform">{platformName(item.platform)}</span>
        <span className="plan-card__time">{wallAt(zone, Date.parse(item.scheduledFor)).time}</span>
      </p>
      <p className="plan-card__caption">{item.caption}</p>
      <p className="plan-card__pillar">{item.pillar}</p>
      {item.error ? <p className="plan-card__error">{item.error}</p> : null}
      {onEdit || onDrop ? (
        <div className="plan-card__actions">
          {onEdit ? (
            <button
              type="button"
              className="button button--secondary button--small"
              aria-label={`Edit the ${label}`}
              onClick={() => onEdit(item)}
            >
              Edit
            </button>
          ) : null}
          {onDrop ? (
            <button
              type="button"
              className="button button--ghost button--small"
              aria-label={`Drop the ${label}`}
              onClick={() => onDrop(item)}
            >
              Drop
            </button>
          ) : null}
        </div>
      ) : null}
    </article>
  );
}
