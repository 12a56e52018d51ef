import { Fragment } from 'react';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import type { Job, JobItemError } from '@audenci/sdk-js';
import { client } from '../../api/client';
import { ConfirmButton } from '../../components/confirm-button';
import { formatDateTime } from '../../components/format';
import { PagedTable } from '../../components/paged-table';
import { useCursorPages } from '../../components/pager';
import { Empty, QueryView } from '../../components/states';
import { DownloadResult, isFinished, JobProgress, JobStatus, jobQuery } from './job-parts';
import './jobs.css';

/** A CSV import's item error says "Line 7: …": the line is shown in its own column. */
function splitLine(error: JobItemError): { where: string; message: string } {
  const match = /^Line (\d+): ([\s\S]*)$/.exec(error.message);
  return match
    ? { where: `Line ${match[1]}`, message: match[2]! }
    : { where: `Item ${error.index + 1}`, message: error.message };
}

/** Every item that failed, in payload order (`GET /jobs/{id}/errors`), a page at a time. */
function ItemErrors({ job }: { job: Job }) {
  const pages = useCursorPages();
  const errors = useQuery({
    queryKey: ['jobs', job.id, 'errors', pages.cursor ?? null, job.errorCount],
    queryFn: () => client.jobs.errors(job.id, { limit: 50, cursor: pages.cursor }).firstPage(),
    placeholderData: keepPreviousData,
  });
  return (
    <section className="panel" aria-labelledby="item-errors-title">
      <h2 className="panel__title" id="item-errors-title">
        Errors ({job.errorCount.toLocaleString()})
      </h2>
      <PagedTable
        query={errors}
        pages={pages}
        loading="Loading errors…"
        empty={<Empty title="No item failed" />}
        label="Item errors"
        columns={
          <>
            <th scope="col">Where</th>
            <th scope="col">Field</th>
            <th scope="col">Code</th>
            <th scope="col">Message</th>
          </>
        }
        row={(error) => {
          const { where, message } = splitLine(error);
          return (
            <tr key={error.index}>
              <td data-label="Where" className="table__nowrap table__primary">
                {where}
              </td>
              <td data-label="Field">{error.field ? <code>{error.field}</code> : '—'}</td>
              <td data-label="Code">
                <code>{error.code}</code>
              </td>
              <td data-label="Message" className="break">
                {message}
              </td>
            </tr>
          );
        }}
      />
    </section>
  );
}

/** The job's summary once it succeeded (`created`, `rows`, …), without the download URL shown as text. */
function ResultFacts({ result }: { result: NonNullable<Job['result']> }) {
  const entries = Object.entries(result).filter(
    ([key, value]) => key !== 'resultUrl' && (typeof value !== 'object' || value === null),
  );
  if (entries.length === 0) return null;
  return (
    <dl className="facts facts--compact" aria-label="Result">
      {entries.map(([key, value]) => (
        <Fragment key={key}>
          <dt className="capitalize">{key}</dt>
          <dd>{String(value)}</dd>
        </Fragment>
      ))}
    </dl>
  );
}

function JobDetail({ job }: { job: Job }) {
  const queryClient = useQueryClient();
  const cancellable = !isFinished(job) && !job.cancelRequestedAt;
  const cancel = async () => {
    const cancelled = await client.jobs.cancel(job.id);
    queryClient.setQueryData(jobQuery(job.id).queryKey, cancelled);
    await queryClient.invalidateQueries({ queryKey: ['jobs', 'list'] });
  };
  return (
    <>
      <section className="panel" aria-labelledby="job-status-title">
        <div className="panel__header">
          <h2 className="panel__title" id="job-status-title">
            Status <JobStatus job={job} />
          </h2>
          <div className="page__actions">
            <DownloadResult job={job} label="Download result" />
            {cancellable ? (
              <ConfirmButton
                label="Cancel job"
                title="Cancel this job?"
                confirmLabel="Cancel job"
                buttonClass="button button--danger-outline"
                onConfirm={cancel}
              >
                A queued job stops at once. A running job stops before its next chunk; what it already did
                stays done.
              </ConfirmButton>
            ) : null}
          </div>
        </div>
        <div aria-live="polite">
          <JobProgress job={job} label="Job progress" />
        </div>
        {job.cancelRequestedAt && job.status === 'running' ? (
          <p className="muted">Stopping: the job ends before its next chunk.</p>
        ) : null}
        {job.error ? (
          <p className="alert alert--error" role="alert">
            {job.error.message}
          </p>
        ) : null}
        <dl className="facts">
          <dt>Created</dt>
          <dd>{formatDateTime(job.createdAt)}</dd>
          <dt>Started</dt>
          <dd>{formatDateTime(job.startedAt)}</dd>
          <dt>{job.status === 'cancelled' ? 'Cancelled' : 'Finished'}</dt>
          <dd>{formatDateTime(job.cancelledAt ?? job.finishedAt)}</dd>
          <dt>Succeeded</dt>
          <dd>{job.progress.succeeded.toLocaleString()}</dd>
          <dt>Failed</dt>
          <dd>{job.progress.failed.toLocaleString()}</dd>
        </dl>
        {job.result ? <ResultFacts result={job.result} /> : null}
      </section>
      {job.errorCount > 0 || job.progress.failed > 0 ? <ItemErrors job={job} /> : null}
    </>
  );
}

/** One job: progress (asked for every second until it finishes), cancel, the result's file, item errors. */
export function JobPage() {
  const { jobId } = useParams({ strict: false }) as { jobId: string };
  const job = useQuery(jobQuery(jobId));
  return (
    <section className="page" aria-labelledby="job-title">
      <header className="page__header">
        <Link to="/jobs" className="back-link">
          ← Jobs
        </Link>
        <p className="page__eyebrow">Job</p>
        <h1 id="job-title">{job.data?.type ?? 'Job'}</h1>
        <p className="page__lead">
          <code>{jobId}</code>
        </p>
      </header>
      <QueryView query={job} loading="Loading the job…">
        {(data) => <JobDetail job={data} />}
      </QueryView>
    </section>
  );
}
