import { useState, type ChangeEvent } from 'react';
import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import type { Job, JobListParams } from '@audenci/sdk-js';
import { client } from '../../api/client';
import { toProblem } from '../../api/problem';
import { Field } from '../../components/field';
import { Form, SubmitButton } from '../../components/form';
import { placeProblem } from '../../components/form-problem';
import { formatDateTime } from '../../components/format';
import { PagedTable } from '../../components/paged-table';
import { useCursorPages } from '../../components/pager';
import { SelectField } from '../../components/select-field';
import { Empty } from '../../components/states';
import { TextAreaField } from '../../components/textarea-field';
import { brandsQuery } from '../../api/brands';
import { isFinished, JobProgress, JobStatus, POLL_MS } from './job-parts';
import './jobs.css';
import { BrandSelect } from '../../components/brand-select';

const STATUSES: Job['status'][] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];
const IMPORT_FIELDS = ['payload.csv', 'payload.brandId'] as const;
/** The header of a CSV import, as a starting point (the columns are the fields of `POST /posts`). */
const EXAMPLE_HEADER = 'platform,socialAccountId,caption,scheduledFor';

/** Import posts from CSV: a file or pasted text, sent as a `posts.import` job; the job page shows how it went. */
function ImportForm() {
  const navigate = useNavigate();
  const brands = useQuery(brandsQuery);
  const [csv, setCsv] = useState('');
  const [brandId, setBrandId] = useState('');
  const [fileError, setFileError] = useState<string>();
  const submit = useMutation({
    mutationFn: () =>
      client.jobs.create({ type: 'posts.import', payload: { csv, ...(brandId ? { brandId } : {}) } }),
    onSuccess: (job) => void navigate({ to: '/jobs/$jobId', params: { jobId: job.id } }),
  });
  const readFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    setFileError(undefined);
    if (!file) return;
    try {
      setCsv(await file.text());
    } catch {
      setFileError(`${file.name} could not be read.`);
    }
  };
  const { field, form } = placeProblem(submit.error ? toProblem(submit.error) : undefined, IMPORT_FIELDS);
  const empty = csv.trim() === '';
  return (
    <section className="panel jobs-import" aria-labelledby="import-title">
      <div>
        <h2 className="panel__title" id="import-title">
          Import posts from CSV
        </h2>
        <p className="muted">
          One post a row, a header naming the columns (the fields of a post:{' '}
          <code>
            brandId, platform, socialAccountId, caption, scheduledFor, link, firstComment, campaignId,
            mediaIds, metadata, status
          </code>
          ). Good rows are created; every bad row is listed with its line number on the job’s page.
        </p>
      </div>
      <Form onSubmit={() => submit.mutate()} error={form}>
        <BrandSelect
          brands={brands.data?.items ?? []}
          none="From each row"
          name="brandId"
          value={brandId}
          onChange={(e) => setBrandId(e.target.value)}
          hint="For rows without a brandId column"
          error={field['payload.brandId']}
        />
        <Field
          label="CSV file"
          name="file"
          type="file"
          accept=".csv,text/csv,text/plain"
          onChange={(e) => void readFile(e)}
          error={fileError}
          hint="Or paste the text below"
        />
        <TextAreaField
          label="CSV"
          name="csv"
          rows={6}
          value={csv}
          placeholder={`${EXAMPLE_HEADER}\ninstagram,acct_…,Hello from the import,2027-01-15T09:00:00Z`}
          onChange={(e) => setCsv(e.target.value)}
          error={field['payload.csv']}
          spellCheck={false}
        />
        <div className="form__actions">
          <SubmitButton
            label="Import posts"
            pendingLabel="Submitting…"
            pending={submit.isPending}
            disabled={empty}
          />
        </div>
      </Form>
    </section>
  );
}

/**
 * Jobs: what was submitted with `POST /jobs` (imports, bulk changes, exports), newest first, with each
 * one's status and progress (asked for again while any shown is unfinished), and the CSV import of posts.
 */
export function JobsPage() {
  const pages = useCursorPages();
  const [status, setStatus] = useState<Job['status'] | ''>('');
  const params: JobListParams = { limit: 25, cursor: pages.cursor, ...(status ? { status } : {}) };
  const jobs = useQuery({
    queryKey: ['jobs', 'list', params],
    queryFn: () => client.jobs.list(params).firstPage(),
    placeholderData: keepPreviousData,
    refetchInterval: (query) => (query.state.data?.data.some((j) => !isFinished(j)) ? POLL_MS * 2 : false),
  });
  return (
    <section className="page" aria-labelledby="jobs-title">
      <header className="page__header">
        <h1 id="jobs-title">Jobs</h1>
        <p className="page__lead">
          Imports, bulk changes and exports run in the background. Their progress shows here; open one for its
          errors, its file or to cancel it.
        </p>
      </header>
      <ImportForm />
      <section className="panel" aria-labelledby="jobs-list-title">
        <div className="panel__header">
          <h2 className="panel__title" id="jobs-list-title">
            All jobs
          </h2>
          <div className="panel__filters">
            <SelectField
              label="Status"
              name="status"
              value={status}
              onChange={(e) => {
                setStatus(e.target.value as Job['status'] | '');
                pages.reset();
              }}
            >
              <option value="">Any status</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s[0]!.toUpperCase() + s.slice(1)}
                </option>
              ))}
            </SelectField>
          </div>
        </div>
        <PagedTable
          query={jobs}
          pages={pages}
          loading="Loading jobs…"
          empty={
            <Empty title={status ? `No ${status} jobs` : 'No jobs yet'}>
              An import above, an export from Analytics, or <code>POST /jobs</code> through the API starts
              one.
            </Empty>
          }
          label="Jobs list"
          columns={
            <>
              <th scope="col">Job</th>
              <th scope="col">Status</th>
              <th scope="col">Progress</th>
              <th scope="col">Created</th>
            </>
          }
          row={(job) => (
            <tr key={job.id}>
              <td data-label="Job" className="table__primary">
                <span className="cell-stack">
                  <Link to="/jobs/$jobId" params={{ jobId: job.id }} className="table__link">
                    {job.type}
                  </Link>
                  <span className="table__sub jobs__id">{job.id}</span>
                </span>
              </td>
              <td data-label="Status">
                <JobStatus job={job} />
              </td>
              <td data-label="Progress" className="jobs__progress">
                <JobProgress job={job} label={`Progress of ${job.type} ${job.id}`} />
              </td>
              <td data-label="Created" className="table__muted table__nowrap">
                {formatDateTime(job.createdAt)}
              </td>
            </tr>
          )}
        />
      </section>
    </section>
  );
}
