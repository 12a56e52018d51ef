import { useEffect, useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { PostValidateParams, PostValidation } from '@audenci/sdk-js';
import { client } from '../../api/client';
import { toProblem, type Problem } from '../../api/problem';

/** What the composer asks `POST /posts/validate` about: the fields the platform rules read. */
export type RulesDraft = Pick<
  PostValidateParams,
  'platform' | 'caption' | 'mediaIds' | 'link' | 'firstComment'
>;

/** `value` once it has stopped changing for `ms`. */
function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

export interface RulesCheck {
  /** The server's answer for the draft as it now stands; undefined while it is being asked. */
  report: PostValidation | undefined;
  /** The last answer, perhaps for an older text: what the counter shows while the next one comes. */
  shown: PostValidation | undefined;
  /** The check refused the draft itself (e.g. a malformed link): the field it names and why. */
  problem: Problem | undefined;
  checking: boolean;
  /** No caption yet: nothing is checked, and nothing can be scheduled. */
  empty: boolean;
}

/**
 * The platform's rules, as the server applies them: the draft is sent to `POST /posts/validate` once
 * typing pauses, so the counter and the violations are the server's own numbers (X's weighted length,
 * hashtag limits), never a second count kept in the browser.
 */
export function useRulesCheck(draft: RulesDraft): RulesCheck {
  const key = JSON.stringify(draft);
  const settled = useDebounced(key, 300);
  // The API takes no post without a caption: there is nothing to ask until one is written.
  const empty = draft.caption.length === 0;
  const query = useQuery({
    queryKey: ['posts', 'validate', settled],
    queryFn: ({ signal }) => client.posts.validate(JSON.parse(settled) as RulesDraft, { signal }),
    placeholderData: keepPreviousData,
    enabled: (JSON.parse(settled) as RulesDraft).caption.length > 0,
    retry: false,
    staleTime: 60_000,
  });
  if (empty) return { report: undefined, shown: undefined, problem: undefined, checking: false, empty };
  const current = settled === key && !query.isPlaceholderData && !query.isFetching;
  return {
    report: current && query.isSuccess ? query.data : undefined,
    shown: query.data,
    problem: current && query.isError ? toProblem(query.error) : undefined,
    checking: !current,
    empty,
  };
}

/** A field's message from a refused check, when the check names that field. */
export function fieldProblem(check: RulesCheck, field: string): string | undefined {
  return check.problem?.field === field ? (check.problem.reason ?? check.problem.message) : undefined;
}

/** The counter under the caption: `n / limit` as the platform counts, and what is left. */
export function CaptionCounter({ check, limit }: { check: RulesCheck; limit: number | undefined }) {
  const text =
    check.empty && limit !== undefined
      ? { length: 0, limit, counting: '', includesLink: false }
      : check.shown?.measurements.text;
  if (!text) return <span className="composer__counter">Counting…</span>;
  const over = text.length > text.limit;
  const unit = text.counting === 'twitter-weighted' ? 'weighted characters' : 'characters';
  const left = text.limit - text.length;
  return (
    <span className={`composer__counter${over ? ' composer__counter--over' : ''}`}>
      <span className="composer__count" data-testid="caption-count">
        {text.length} / {text.limit}
      </span>{' '}
      <span className="composer__count-note">
        {over ? `${-left} ${unit} over the limit` : `${left} ${unit} left`}
        {text.includesLink ? ', the link included' : ''}
      </span>
    </span>
  );
}

/** Hashtags, mentions and media beside their limits, as the server measured them. */
export function RuleMeters({ check }: { check: RulesCheck }) {
  const m = check.shown?.measurements;
  if (!m) return null;
  const meters: [string, number, number | null][] = [
    [
      m.hashtags.includesFirstComment ? 'Hashtags (with the first comment)' : 'Hashtags',
      m.hashtags.count,
      m.hashtags.limit,
    ],
    ['Mentions', m.mentions.count, m.mentions.limit],
    ['Media', m.media.count, m.media.limit],
  ];
  return (
    <dl className="composer__meters">
      {meters.map(([label, count, limit]) => (
        <div key={label} className={limit !== null && count > limit ? 'composer__meter--over' : undefined}>
          <dt>{label}</dt>
          <dd>{limit === null ? count : `${count} / ${limit}`}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Every rule the draft breaks, in the server's words; announced as it changes. */
export function RuleList({ check, id }: { check: RulesCheck; id: string }) {
  const violations = check.shown?.violations ?? [];
  return (
    <div id={id} className="composer__rules" role="status" aria-live="polite">
      {violations.length > 0 ? (
        <>
          <p className="composer__rules-title">
            {violations.length === 1 ? 'One rule is broken' : `${violations.length} rules are broken`}
          </p>
          <ul>
            {violations.map((v) => (
              <li key={`${v.rule}:${v.field}`} data-rule={v.rule}>
                {v.message}
              </li>
            ))}
          </ul>
        </>
      ) : check.shown ? (
        <p className="composer__rules-ok">Meets the platform’s rules.</p>
      ) : check.empty ? (
        <p className="composer__rules-ok">Write a caption: it is checked against these rules as you type.</p>
      ) : null}
    </div>
  );
}

/** Why Schedule and Publish are off, or undefined when they may be used. */
export function blockedReason(check: RulesCheck): string | undefined {
  if (check.empty) return 'Write a caption to schedule or publish.';
  if (check.problem) return `Fix this first: ${check.problem.message}`;
  if (!check.report) return 'Checking the platform’s rules…';
  if (!check.report.valid)
    return 'Scheduling and publishing wait until every rule is met; a draft can be saved.';
  return undefined;
}
