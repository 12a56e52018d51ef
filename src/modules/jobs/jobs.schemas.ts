import { Type } from '@sinclair/typebox';
import { DateTime, ListQuery, Nullable } from '../../http/schemas.js';
import { JOB_STATUSES } from '../../worker/queue.table.js';

/** `POST /jobs` takes a larger body than other routes (a whole import); each type also bounds its items. */
export const JOBS_BODY_LIMIT = 20 * 1024 * 1024;

export const JobStatusSchema = Type.Unsafe<(typeof JOB_STATUSES)[number]>({
  type: 'string',
  enum: [...JOB_STATUSES],
  description: 'queued → running → succeeded | failed; cancelled from queued or running',
});

export const ItemErrorSchema = Type.Object(
  {
    index: Type.Integer({
      minimum: 0,
      description: 'Position of the item in the submitted payload (0-based)',
    }),
    code: Type.String({ examples: ['INVALID_INPUT'] }),
    message: Type.String({ examples: ['caption is required'] }),
    field: Type.Optional(
      Type.String({ description: 'The field of the item at fault', examples: ['caption'] }),
    ),
  },
  { $id: 'JobItemError', title: 'JobItemError', additionalProperties: false },
);

const ProgressSchema = Type.Object(
  {
    total: Type.Integer({ minimum: 0, description: 'Items the job will process (fixed at submission)' }),
    processed: Type.Integer({ minimum: 0, description: 'Items done so far: succeeded + failed' }),
    succeeded: Type.Integer({ minimum: 0 }),
    failed: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

export const JobSchema = Type.Object(
  {
    id: Type.String({ examples: ['job_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'] }),
    type: Type.String({ examples: ['posts.import'] }),
    status: JobStatusSchema,
    progress: ProgressSchema,
    errors: Type.Array(Type.Ref(ItemErrorSchema), {
      description: 'The first 1,000 item errors by index; `GET /jobs/{id}/errors` lists all of them',
    }),
    errorCount: Type.Integer({ minimum: 0, description: 'Item errors in all' }),
    result: Nullable(
      Type.Object(
        {
          resultUrl: Type.Optional(
            Type.String({ format: 'uri', description: 'Download of the output file' }),
          ),
        },
        { additionalProperties: true },
      ),
      { description: "The type's summary once the job succeeded (with `resultUrl` for a file); null before" },
    ),
    error: Nullable(
      Type.Object({ code: Type.String(), message: Type.String() }, { additionalProperties: false }),
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
    type: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'The job type',
      examples: ['posts.import'],
    }),
    payload: Type.Optional(
      Type.Object(
        {},
        { additionalProperties: true, description: "The type's input; see the type's description" },
      ),
    ),
  },
  { additionalProperties: false },
);

export const ListJobsQuery = ListQuery(['createdAt'], {
  status: Type.Optional(JobStatusSchema),
  type: Type.Optional(Type.String({ minLength: 1, maxLength: 64, examples: ['posts.import'] })),
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
