import { useEffect, useState } from 'react';
import { Link } from '@tanstack/react-router';
import { queryOptions, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Job, Plan } from '@audenci/sdk-js';
import { client } from '../../api/client';
import { toProblem, type Problem } from '../../api/problem';

/**
 * Applying a plan through the `plans.apply` job: `POST /jobs`, then `GET /jobs/{id}` every half second
 * while it runs. The server creates the campaign and its drafts a few posts at a time and commits the
 * progress with them, so the bar shows the drafts that exist.
 */

const POLL_MS = 500;

const finished = (job: Job) => ['succeeded', 'failed', 'cancelled'].includes(job.status);

/** The job, asked for again while it is queued or running (the jobs page shares the key). */
export const applyJobQuery = (id: string) =>
  queryOptions({
    queryKey: ['jobs', id] as const,
    queryFn: () => client.jobs.retrieve(id),
    refetchInterval: (query) => (query.state.data && finished(query.state.data) ? false : POLL_MS),
  });

/** What a `plans.apply` job answers once it succeeded. */
export interface ApplyJobResult {
  planId: string;
  campaignId: string | null;
  postIds: string[];
  postsCreated: number;
  failed: number;
}

export function useApplyJob() {
  const queryClient = useQueryClient();
  const [jobId, setJobId] = useState<string>();
  const [submitting, setSubmitting] = useState(false);
  const [problem, setProblem] = useState<Problem>();
  const job = useQuery({ ...applyJobQuery(jobId ?? ''), enabled: Boolean(jobId) });
  const data = jobId ? job.data : undefined;
  const status = data?.status;

  // Once the job ends, what it made shows everywhere (lists, the plan, the calendar).
  useEffect(() => {
    if (status === 'succeeded' || status === 'failed')
      for (const key of ['plans', 'campaigns', 'posts'])
        void queryClient.invalidateQueries({ queryKey: [key] });
  }, [status, queryClient]);

  const failure: Problem | undefined =
    problem ??
    (data?.status === 'failed'
      ? { message: data.error?.message ?? 'Applying the plan failed.' }
      : data?.status === 'cancelled'
        ? { message: 'Applying the plan was cancelled; the drafts created so far stay.' }
        : job.error
          ? toProblem(job.error)
          : undefined);

  return {
    job: data,
    /** Submitting, or the job queued or running. */
    running: submitting || Boolean(jobId && (!data || !finished(data))),
    problem: failure,
    result: data?.status === 'succeeded' ? (data.result as unknown as ApplyJobResult) : undefined,
    /** Submits the job for `plan`; answers whether it was accepted. */
    async start(plan: Plan): Promise<boolean> {
      setProblem(undefined);
      setJobId(undefined);
      setSubmitting(true);
      try {
        const submitted = await client.jobs.create({ type: 'plans.apply', payload: { planId: plan.id } });
        queryClient.setQueryData(applyJobQuery(submitted.id).queryKey, submitted);
        setJobId(submitted.id);
        return true;
      } catch (error) {
        setProblem(toProblem(error));
        return false;
      } finally {
        setSubmitting(false);
      }
    },
  };
}

/** The bar (drafts done of the plan's items), its numbers announced as they change. */
export function ApplyProgress({ job, saving = false }: { job?: Job; saving?: boolean }) {
  if (saving)
    return (
      <p role="status" className="apply-progress__status">
        Saving the plan…
      </p>
    );
  if (!job) return null;
  const { total, processed, succeeded, failed } = job.progress;
  const label =
    job.status === 'queued'
      ? `Waiting to start: 0 of ${total} draft posts created`
      : `${succeeded} of ${total} draft ${total === 1 ? 'post' : 'posts'} created` +
        (failed ? `, ${failed} refused` : '');
  return (
    <div className="apply-progress">
      <progress
        className="usage__bar"
        aria-label="Draft posts created"
        aria-valuetext={label}
        max={total || 1}
        value={total ? processed : 1}
      />
      <p role="status" className="apply-progress__status" data-processed={processed} data-total={total}>
        {label}
      </p>
    </div>
  );
}

/** What applying made: the campaign and its drafts, with the way to them and the job. */
export function ApplyResult({
  job,
  plan,
  onPlanPage = false,
}: {
  job: Job;
  plan: Pick<Plan, 'id' | 'name' | 'items'>;
  /** Shown on the plan's own page: no link to it. */
  onPlanPage?: boolean;
}) {
  const result = job.result as unknown as ApplyJobResult;
  const created = result.postsCreated;
  return (
    <div className="stack">
      <div className="alert alert--success" role="status">
        Plan applied: campaign “{plan.name}” with {created} draft {created === 1 ? 'post' : 'posts'}, each to
        review, add media to and schedule.
      </div>
      {job.errors.length ? (
        <div className="alert alert--warning">
          <p>
            {result.failed} {result.failed === 1 ? 'item was' : 'items were'} refused:
          </p>
          <ul>
            {job.errors.map((e) => (
              <li key={e.index}>
                Item {e.index + 1} ({plan.items[e.index]?.platform ?? 'unknown'}): {e.message}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <div className="toolbar">
        {result.campaignId ? (
          <Link
            className="button button--primary"
            to="/campaigns/$campaignId"
            params={{ campaignId: result.campaignId }}
          >
            Open the campaign
          </Link>
        ) : null}
        {result.postIds[0] ? (
          <Link
            className="button button--secondary"
            to="/posts/$postId"
            params={{ postId: result.postIds[0] }}
          >
            Open the first draft
          </Link>
        ) : null}
        <Link className="button button--secondary" to="/calendar">
          See the calendar
        </Link>
        {onPlanPage ? null : (
          <Link className="button button--secondary" to="/plans/$planId" params={{ planId: plan.id }}>
            Open the plan
          </Link>
        )}
        <Link className="button button--secondary" to="/jobs/$jobId" params={{ jobId: job.id }}>
          See the job
        </Link>
      </div>
    </div>
  );
}
