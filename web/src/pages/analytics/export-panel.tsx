import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import type { AnalyticsParams } from '@audenci/sdk-js';
import { client } from '../../api/client';
import { toProblem } from '../../api/problem';
import { ErrorState } from '../../components/states';
import { DownloadResult, JobProgress, JobStatus, jobQuery } from '../jobs/job-parts';

/** One export: its job polled until it is done, then the download. */
function ExportJob({ id }: { id: string }) {
  const job = useQuery(jobQuery(id));
  if (job.isError) return <ErrorState problem={toProblem(job.error)} onRetry={() => void job.refetch()} />;
  if (!job.data) return <p className="muted">Starting the export…</p>;
  const j = job.data;
  return (
    <div className="export-job" aria-live="polite">
      <p className="export-job__head">
        <JobStatus job={j} />{' '}
        <Link to="/jobs/$jobId" params={{ jobId: j.id }}>
          Job {j.id}
        </Link>
      </p>
      <JobProgress job={j} label="Export progress" />
      {j.status === 'succeeded' ? (
        <p>
          <DownloadResult job={j} label="Download CSV" />
        </p>
      ) : null}
      {j.error ? <p className="field__error">{j.error.message}</p> : null}
    </div>
  );
}

/**
 * Export CSV: submits an `analytics.export` job with the page's filters and granularity, shows its
 * progress, and offers its file once it succeeded (`GET /jobs/{id}/result`, with the session cookie).
 */
export function ExportPanel({
  filters,
  groupBy,
}: {
  filters: AnalyticsParams;
  groupBy: 'day' | 'week' | 'month';
}) {
  const queryClient = useQueryClient();
  const [jobId, setJobId] = useState<string>();
  const submit = useMutation({
    mutationFn: () =>
      client.jobs.create({ type: 'analytics.export', payload: { ...filters, groupBy, format: 'csv' } }),
    onSuccess: (job) => {
      queryClient.setQueryData(jobQuery(job.id).queryKey, job);
      void queryClient.invalidateQueries({ queryKey: ['jobs', 'list'] });
      setJobId(job.id);
    },
  });
  return (
    <section className="panel" aria-labelledby="export-title">
      <div className="panel__header">
        <div>
          <h2 className="panel__title" id="export-title">
            Export
          </h2>
          <p className="muted">
            A CSV of the rows above, one per {groupBy}, with every metric. It is made in the background; large
            exports take a moment.
          </p>
        </div>
        <button
          type="button"
          className="button button--secondary"
          onClick={() => submit.mutate()}
          disabled={submit.isPending}
        >
          {submit.isPending ? 'Starting…' : 'Export CSV'}
        </button>
      </div>
      {submit.isError ? <ErrorState problem={toProblem(submit.error)} /> : null}
      {jobId ? <ExportJob key={jobId} id={jobId} /> : null}
    </section>
  );
}
