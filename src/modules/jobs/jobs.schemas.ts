import { Type } from '@sinclair/typebox';
import { Count, DateTime, Id, ListQuery, Nullable, Url } from '../../http/schemas.js';
import { JOB_STATUSES } from '../../db/tables/queue.js';
import { MAX_JOB_ERROR_LENGTH } from '../../db/queue/contract.js';
import { ITEM_ERROR_LIMITS, MAX_JOB_OUTPUT_LENGTH } from './jobs.types.js';
import { JOB_ERRORS_SHOWN } from './jobs.service.js';

/** `POST /jobs` takes a larger body than other routes (a whole import); each type also bounds its items. */
export const JOBS_BODY_LIMIT = 20 * 1024 * 1024;

export const JobStatusSchema = Type.Unsafe<(typeof JOB_STATUSES)[number]>({
  type: 'string',
  enum: [...JOB_STATUSES],
  description: 'queued → running → succeeded | failed; cancelled from queued or running',
});

/** A job type's name (`posts.import`). */
const JobType = Type.String({ minLength: 1, maxLength: 64, examples: ['posts.import'] });

/** The output file of `GET /jobs/{id}/result` (CSV), within the output bound every job is held to. */
export const JobOutputText = { type: 'string', format: 'binary', maxLength: MAX_JOB_OUTPUT_LENGTH } as const;

export const ItemErrorSchema = Type.Object(
  {
    index: Count({ description: 'Position of the item in the submitted payload (0-based)' }),
    code: Type.String({ maxLength: ITEM_ERROR_LIMITS.code, examples: ['INVALID_INPUT'] }),
    message: Type.String({ maxLength: ITEM_ERROR_LIMITS.message, examples: ['caption is required'] }),
    field: Type.Optional(
      Type.String({
        maxLength: ITEM_ERROR_LIMITS.field,
        description: 'The field of the item at fault',
        examples: ['caption'],
      }),
    ),
  },
  { $id: 'JobItemError', title: 'JobItemError', additionalProperties: false },
);

const ProgressSchema = Type.Object(
  {
    total: Count({ description: 'Items the job will process (fixed at submission)' }),
    processed: Count({ description: 'Items done so far: succeeded + failed' }),
    succeeded: Count(),
    failed: Count(),
  },
  { additionalProperties: false },
);

export const JobSchema = Type.Object(
  {
    id: Id('job_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'),
    type: JobType,
    status: JobStatusSchema,
    progress: ProgressSchema,
    errors: Type.Array(Type.Ref(ItemErrorSchema), {
      maxItems: JOB_ERRORS_SHOWN,
      description: `The first ${JOB_ERRORS_SHOWN.toLocaleString('en-US')} item errors by index; \`GET /jobs/{id}/errors\` lists all of them`,
    }),
    errorCount: Count({ description: 'Item errors in all' }),
    result: Nullable(
      Type.Object(
        {
          resultUrl: Type.Optional(Url({ description: 'Download of the output file' })),
        },
        { additionalProperties: true },
      ),
      { description: "The type's summary once the job succeeded (with `resultUrl` for a file); null before" },
    ),
    error: Nullable(
      Type.Object(
        {
          code: Type.Unsafe<'JOB_FAILED'>({ type: 'string', enum: ['JOB_FAILED'] }),
          message: Type.String({ maxLength: MAX_JOB_ERROR_LENGTH }),
        },
        { additionalProperties: false },
      ),
      { description: 'Why the job failed (status `failed` only)' },
    ),
    createdAt: DateTime(),
    startedAt: Nullable(DateTime()),
    finishedAt: Nullable(DateTime()),
    updatedAt: DateTime(),
    cancelRequestedAt: Nullable(DateTime(), {
      description: 'A running job asked to stop: it stops before its next chunk',
    }),
    cancelledAt: Nullable(DateTime()),
  },
  {
    $id: 'Job',
    title: 'Job',
    additionalProperties: false,
    description: 'An asynchronous bulk operation submitted with `POST /jobs`.',
  },
);

export const CreateJobBody = Type.Object(
  {
    type: Type.String({ ...JobType, description: 'The job type' }),
    payload: Type.Optional(
      Type.Object(
        {},
        { additionalProperties: true, description: "The type's input; see the type's description" },
      ),
    ),
  },
  { additionalProperties: false, examples: [{ type: 'posts.export', payload: { format: 'csv' } }] },
);

export const ListJobsQuery = ListQuery(['createdAt'], {
  status: Type.Optional(JobStatusSchema),
  type: Type.Optional(JobType),
});

/** Item errors in payload order by default. */
export const ListJobErrorsQuery = ListQuery(['index'], {
  sortOrder: Type.Optional(
    Type.Union([Type.Literal('asc'), Type.Literal('desc')], {
      default: 'asc',
      description: 'Sort direction',
    }),
  ),
});
