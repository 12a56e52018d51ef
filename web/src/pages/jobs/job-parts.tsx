/**
 * What the jobs pages and the analytics export share: one job's query (polled until it finishes), its
 * status badge, its progress bar and the link that downloads its file.
 */
import { queryOptions } from '@tanstack/react-query';
import type { Job } from '@audenci/sdk-js';
import { client } from '../../api/client';
import { Badge, type BadgeTone } from '../../components/badge';
import './jobs.css';

export const FINISHED: readonly Job['status'][] = ['succeeded', 'failed', 'cancelled'];

export const isFinished = (job: Pick<Job, 'status'>) => FINISHED.includes(job.status);

export const STATUS_TONE: Record<Job['status'], BadgeTone> = {
  queued: 'neutral',
  running: 'info',
  succeeded: 'success',
  failed: 'danger',
  cancelled: 'warning',
};

/** How often an unfinished job is asked for again. */
export const POLL_MS = 1000;

/** One job, asked for again every second until it is succeeded, failed or cancelled. */
export function jobQuery(id: string) {
  return queryOptions({
    queryKey: ['jobs', id],
    queryFn: () => client.jobs.retrieve(id),
    refetchInterval: (query) => (query.state.data && isFinished(query.state.data) ? false : POLL_MS),
  });
}

/** The job's file (`GET /jobs/{id}/result`): a plain link, so the browser downloads it with the session cookie. */
export function resultHref(id: string): string {
  return `/api/v1/jobs/${encodeURIComponent(id)}/result`;
}

/** Whether a job has a file to download (an export that succeeded). */
export function hasResultFile(job: Job): boolean {
  return job.status === 'succeeded' && typeof job.result?.resultUrl === 'string';
}

export function JobStatus({ job }: { job: Pick<Job, 'status' | 'cancelRequestedAt'> }) {
  const stopping = job.status === 'running' && job.cancelRequestedAt;
  return <Badge tone={STATUS_TONE[job.status]}>{stopping ? 'stopping' : job.status}</Badge>;
}

/** "120 of 500 items (3 failed)", or what the job is doing when it does not know its total. */
export function progressText(job: Job): string {
  const { total, processed, failed } = job.progress;
  const failures = failed ? ` (${failed.toLocaleString()} failed)` : '';
  if (total === 0)
    return job.status === 'queued' ? 'Waiting to start' : `${processed.toLocaleString()} items`;
  return `${processed.toLocaleString()} of ${total.toLocaleString()} items${failures}`;
}

/**
 * The job's progress as a bar with its numbers; indeterminate while a job of unknown size runs. `label`
 * names the bar for assistive technology ("Progress of job_…").
 */
export function JobProgress({ job, label }: { job: Job; label: string }) {
  const { total, processed } = job.progress;
  const known = total > 0 || isFinished(job);
  const value = total > 0 ? processed : isFinished(job) ? 1 : undefined;
  const tone =
    job.status === 'failed'
      ? ' usage__bar--danger'
      : job.status === 'cancelled'
        ? ' usage__bar--warning'
        : '';
  return (
    <div className="job-progress">
      <progress
        className={`usage__bar${tone}`}
        aria-label={label}
        max={total > 0 ? total : 1}
        value={known ? value : undefined}
      />
      <span className="job-progress__text">{progressText(job)}</span>
    </div>
  );
}

/** The download of a job's output file, once there is one. */
export function DownloadResult({ job, label }: { job: Job; label: string }) {
  if (!hasResultFile(job)) return null;
  return (
    <a className="button button--primary" href={resultHref(job.id)} download>
      {label}
    </a>
  );
}
