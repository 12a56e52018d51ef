import type { Brand, PlatformRules } from '@audenci/sdk-js';
import { Link } from '@tanstack/react-router';
import { Field } from '../../components/field';
import { Empty } from '../../components/states';
import { TextAreaField } from '../../components/textarea-field';
import { TimeZoneField, timeZones } from '../../components/time-zone-field';
import { shiftDate } from '../../components/zoned-time';
import { BrandSelect } from '../../components/brand-select';

/** The wizard's answers before the preview, as the fields hold them. */
export interface Answers {
  brandId: string;
  firstDay: string;
  lastDay: string;
  timezone: string;
  platforms: string[];
  topics: string;
  goal: string;
  postsPerWeek: string;
}

export type AnswerField = keyof Answers;
export type Problems = Partial<Record<AnswerField, string>>;

export const PARAMETER_STEPS = ['brand', 'dates', 'platforms', 'topics', 'frequency'] as const;
export type ParameterStep = (typeof PARAMETER_STEPS)[number];

/** Which step shows a field's message (also the API's `details.field`). */
export const STEP_OF: Record<string, ParameterStep> = {
  brandId: 'brand',
  firstDay: 'dates',
  lastDay: 'dates',
  startDate: 'dates',
  endDate: 'dates',
  timezone: 'dates',
  platforms: 'platforms',
  topics: 'topics',
  pillars: 'topics',
  goal: 'topics',
  postsPerWeek: 'frequency',
};

/** The API's field names as the wizard's. */
export const FIELD_OF: Record<string, AnswerField> = {
  brandId: 'brandId',
  startDate: 'firstDay',
  endDate: 'lastDay',
  timezone: 'timezone',
  platforms: 'platforms',
  pillars: 'topics',
  goal: 'goal',
  postsPerWeek: 'postsPerWeek',
};

const MAX_DAYS = 366;
const DAY_MS = 86_400_000;

/** Topics as typed: comma- or line-separated, trimmed, spaces collapsed. */
export function topicsOf(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((t) => t.trim().replace(/\s+/g, ' '))
    .filter(Boolean);
}

function daysBetween(first: string, last: string): number {
  return Math.round((Date.parse(last) - Date.parse(first)) / DAY_MS) + 1;
}

/** What a step refuses before going on: one clear sentence per field. */
export function stepProblems(step: ParameterStep, a: Answers, todayDate: string): Problems {
  const p: Problems = {};
  if (step === 'brand' && !a.brandId) p.brandId = 'Choose the brand the plan is for.';
  if (step === 'dates') {
    if (!a.firstDay) p.firstDay = 'Choose the first day of the plan.';
    if (!a.lastDay) p.lastDay = 'Choose the last day of the plan.';
    else if (a.firstDay && a.lastDay < a.firstDay) p.lastDay = 'The last day must be on or after the first.';
    else if (a.firstDay && daysBetween(a.firstDay, a.lastDay) > MAX_DAYS)
      p.lastDay = `A plan covers at most ${MAX_DAYS} days.`;
    else if (a.lastDay < todayDate) p.lastDay = 'The plan must end today or later: it plans what is ahead.';
    if (!timeZones().includes(a.timezone)) p.timezone = 'Pick a time zone from the list.';
  }
  if (step === 'platforms' && a.platforms.length === 0) p.platforms = 'Choose at least one platform.';
  if (step === 'topics') {
    const topics = topicsOf(a.topics);
    const seen = new Set<string>();
    const twice = topics.find((t) => (seen.has(t.toLowerCase()) ? true : (seen.add(t.toLowerCase()), false)));
    if (topics.length > 12) p.topics = 'At most 12 topics.';
    else if (topics.some((t) => t.length > 60)) p.topics = 'A topic may be at most 60 characters.';
    else if (twice) p.topics = `“${twice}” is listed twice.`;
    if (a.goal.trim().length > 500) p.goal = 'The goal may be at most 500 characters.';
  }
  if (step === 'frequency') {
    const n = Number(a.postsPerWeek);
    if (!/^\d+$/.test(a.postsPerWeek.trim()) || n < 1 || n > 21)
      p.postsPerWeek = 'Enter a whole number from 1 to 21.';
  }
  return p;
}

/** The body of `POST /plans/generate-preview` from the answers. */
export function parametersOf(a: Answers) {
  const topics = topicsOf(a.topics);
  return {
    brandId: a.brandId,
    startDate: a.firstDay,
    endDate: shiftDate(a.lastDay, 1),
    timezone: a.timezone,
    platforms: a.platforms as ('instagram' | 'facebook' | 'twitter' | 'linkedin')[],
    postsPerWeek: Number(a.postsPerWeek),
    ...(topics.length ? { pillars: topics } : {}),
    ...(a.goal.trim() ? { goal: a.goal.trim() } : {}),
  };
}

interface StepProps {
  answers: Answers;
  problems: Problems;
  set: (field: AnswerField, value: string | string[]) => void;
}

export function BrandStep({ answers, problems, set, brands }: StepProps & { brands: Brand[] }) {
  if (brands.length === 0)
    return (
      <Empty title="No brands yet">
        A plan is made for a brand. <Link to="/brands">Create a brand</Link> first.
      </Empty>
    );
  return (
    <BrandSelect
      brands={brands}
      none="Choose a brand…"
      name="brandId"
      value={answers.brandId}
      hint="Its voice shapes the captions; its time zone is the plan's default."
      error={problems.brandId}
      onChange={(e) => {
        set('brandId', e.target.value);
        const brand = brands.find((b) => b.id === e.target.value);
        if (brand) set('timezone', brand.timezone);
      }}
    />
  );
}

export function DatesStep({ answers, problems, set }: StepProps) {
  return (
    <>
      <div className="plan-form__pair">
        <Field
          label="First day"
          name="firstDay"
          type="date"
          value={answers.firstDay}
          error={problems.firstDay}
          onChange={(e) => set('firstDay', e.target.value)}
        />
        <Field
          label="Last day"
          name="lastDay"
          type="date"
          value={answers.lastDay}
          hint="Included. At most 366 days."
          error={problems.lastDay}
          onChange={(e) => set('lastDay', e.target.value)}
        />
      </div>
      <TimeZoneField
        value={answers.timezone}
        onChange={(v) => set('timezone', v)}
        error={problems.timezone}
      />
    </>
  );
}

export function PlatformsStep({
  answers,
  problems,
  set,
  platforms,
}: StepProps & { platforms: PlatformRules[] }) {
  const toggle = (name: string, on: boolean) =>
    set('platforms', on ? [...answers.platforms, name] : answers.platforms.filter((p) => p !== name));
  return (
    <fieldset
      className="fieldset field"
      aria-describedby={problems.platforms ? 'plan-platforms-error' : undefined}
    >
      <legend className="field__label">Platforms</legend>
      <div className="checks">
        {platforms.map((p) => (
          <label key={p.platform} className="check">
            <input
              type="checkbox"
              name="platforms"
              value={p.platform}
              checked={answers.platforms.includes(p.platform)}
              onChange={(e) => toggle(p.platform, e.target.checked)}
            />
            {p.displayName}
          </label>
        ))}
      </div>
      {problems.platforms ? (
        <p className="field__error" id="plan-platforms-error">
          {problems.platforms}
        </p>
      ) : null}
    </fieldset>
  );
}

export function TopicsStep({ answers, problems, set }: StepProps) {
  return (
    <>
      <TextAreaField
        label="Topics"
        name="topics"
        rows={3}
        value={answers.topics}
        hint="Comma-separated; they take turns. Empty: education, behind the scenes, product, community."
        placeholder="education, product, community"
        error={problems.topics}
        onChange={(e) => set('topics', e.target.value)}
      />
      <TextAreaField
        label="Goal (optional)"
        name="goal"
        rows={2}
        value={answers.goal}
        hint="What the posts should achieve; the captions mention it."
        placeholder="Launch the spring blend"
        error={problems.goal}
        onChange={(e) => set('goal', e.target.value)}
      />
    </>
  );
}

export function FrequencyStep({ answers, problems, set }: StepProps) {
  const n = Number(answers.postsPerWeek);
  const days = answers.firstDay && answers.lastDay ? daysBetween(answers.firstDay, answers.lastDay) : 0;
  const estimate = Number.isInteger(n) && n > 0 && days > 0 ? Math.max(1, Math.round((n * days) / 7)) : 0;
  return (
    <>
      <Field
        label="Posts per week, on each platform"
        name="postsPerWeek"
        type="number"
        inputMode="numeric"
        min={1}
        max={21}
        value={answers.postsPerWeek}
        error={problems.postsPerWeek}
        onChange={(e) => set('postsPerWeek', e.target.value)}
      />
      {estimate ? (
        <p className="muted">
          About {estimate} posts per platform, {estimate * answers.platforms.length} in all, at each
          platform’s good posting times.
        </p>
      ) : null}
    </>
  );
}
