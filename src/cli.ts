import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, loadConfig, type Config } from './config/index.js';
import { createDb, migrateDatabase } from './db/index.js';
import { createLogger, handleSignals, start, type ProcessRole } from './main.js';
import { CliError, EXIT, usageError, type ApiTarget } from './modules/cli-api.js';
import { importPosts, showJob } from './modules/jobs/jobs.cli.js';
import { checkSecret, listen, LISTEN_INTERVAL } from './modules/webhooks/webhooks.cli.js';
import { EVENT_TYPES } from './db/tables/events.js';
import { VERSION } from './shared/version.js';
import { createKey, listAllKeys, revokeKeyById, SCOPE_ALIASES, SCOPES } from './modules/keys/index.js';
import { createOrganization, listOrganizations, PLANS } from './modules/organizations/index.js';
import { rotateSecrets } from './modules/secrets/index.js';
import { operatorResetLink, setupLinkFor } from './modules/people/index.js';
import { setupUrl } from './bootstrap.js';
import { resolveSecretKey, secretBoxes } from './runtime.js';
import { AppError } from './shared/errors.js';
import { systemClock } from './shared/clock.js';
import { randomBytes } from 'node:crypto';

type Options = NonNullable<ParseArgsConfig['options']>;

interface Command {
  usage: string;
  summary: string;
  options: Options;
  /** Each option (as the usage spells it) and what it does; `--help` lists them. */
  flags: [string, string][];
  example: string;
  /** The environment variables the command reads. */
  env: string[];
  positionals?: number;
  run(args: {
    values: Record<string, string | boolean | undefined>;
    positionals: string[];
    config: Config;
  }): Promise<number | void>;
}

class UsageError extends Error {}

const json = { type: 'boolean', default: false } as const;
const JSON_FLAG: [string, string] = ['--json', 'print exactly one JSON object (errors as {"error": {...}})'];
/** The variables of the commands that open the database: the server's configuration. */
const SERVER_ENV = [
  "DATABASE_URL, AUDENCI_DATA_DIR and the rest of the server's configuration (docs/operations.md)",
];
const API_ENV = [
  'AUDENCI_BASE_URL  the server (default http://localhost:$PORT; AUDENCI_API_URL is read when it is unset)',
  'AUDENCI_API_KEY   the API key',
];
const out = (text: string) => process.stdout.write(`${text}\n`);

async function withDb<T>(
  config: Config,
  fn: (db: ReturnType<typeof createDb>['db']) => Promise<T>,
): Promise<T> {
  const handle = createDb(config);
  try {
    await migrateDatabase(config, handle);
    return await fn(handle.db);
  } finally {
    await handle.destroy();
  }
}

function serveCommand(role: ProcessRole, summary: string): Command {
  return {
    usage: `audenci ${role}`,
    summary,
    options: {},
    flags: [],
    example: `PORT=3000 audenci ${role}`,
    env: SERVER_ENV,
    async run({ config }) {
      const logger = createLogger(config);
      const started = await start(role, config, logger, process.stdout);
      handleSignals(started, config, logger);
      // Run until a signal (handleSignals exits the process). A pending promise does not keep Node alive,
      // and the worker role has no listening socket that would: without this timer it exits at once.
      setInterval(() => undefined, 2 ** 30);
      await new Promise(() => undefined);
    },
  };
}

const apiOptions = {
  'base-url': { type: 'string' },
  'api-url': { type: 'string' },
  key: { type: 'string' },
} as const;
const API_FLAGS: [string, string][] = [
  [
    '--base-url <url>',
    'the server (default $AUDENCI_BASE_URL, else http://localhost:$PORT); --api-url is the older spelling',
  ],
  ['--key <key>', 'the API key (default $AUDENCI_API_KEY)'],
];

/**
 * Where the HTTP commands send requests: --base-url (or --api-url) / --key, else AUDENCI_BASE_URL (the
 * variable the SDK reads; AUDENCI_API_URL, its older name here, when unset) / AUDENCI_API_KEY.
 */
function apiTarget(values: Record<string, string | boolean | undefined>, config: Config): ApiTarget {
  const key = typeof values.key === 'string' ? values.key : process.env.AUDENCI_API_KEY;
  if (!key) throw new UsageError('an API key is required: --key or AUDENCI_API_KEY');
  const flag = values['base-url'] ?? values['api-url'];
  const apiUrl =
    typeof flag === 'string'
      ? flag
      : process.env.AUDENCI_BASE_URL || process.env.AUDENCI_API_URL || `http://localhost:${config.port}`;
  if (!/^https?:\/\//.test(apiUrl)) throw new UsageError('--base-url must be an http(s) URL');
  return { apiUrl, key };
}

function table(rows: Record<string, unknown>[], columns: string[]): string {
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(columns), ...rows.map((r) => line(columns.map((c) => String(r[c] ?? ''))))].join('\n');
}

const COMMANDS: Record<string, Command> = {
  serve: serveCommand(
    'serve',
    'Run the HTTP API and the background worker in one process (default of npm start)',
  ),
  api: serveCommand('api', 'Run only the HTTP API (scale out: several, behind a load balancer)'),
  worker: serveCommand('worker', 'Run only the background worker'),
  migrate: {
    usage: 'audenci migrate [--json]',
    summary: 'Apply pending database migrations',
    options: { json },
    flags: [JSON_FLAG],
    example: 'DATABASE_URL=postgres://audenci@db/audenci audenci migrate',
    env: SERVER_ENV,
    async run({ values, config }) {
      const handle = createDb(config);
      try {
        const report = await migrateDatabase(config, handle);
        if (values.json) out(JSON.stringify({ database: handle.capabilities.name, applied: report.applied }));
        else out(report.applied.length ? `Applied: ${report.applied.join(', ')}` : 'Database is up to date');
      } finally {
        await handle.destroy();
      }
    },
  },
  'secrets generate': {
    usage: 'audenci secrets generate [--json]',
    summary: 'Print a new random AUDENCI_SECRET_KEY (32 bytes, hex)',
    options: { json },
    flags: [['--json', 'print {"secretKey": "…"}']],
    example: 'audenci secrets generate   # then set AUDENCI_SECRET_KEY to what it prints',
    env: [],
    async run({ values }) {
      const secretKey = randomBytes(32).toString('hex');
      out(values.json ? JSON.stringify({ secretKey }) : secretKey);
    },
  },
  'secrets rotate': {
    usage: 'audenci secrets rotate [--json]',
    summary:
      'Re-encrypt stored platform tokens and webhook secrets with AUDENCI_SECRET_KEY (the old key in AUDENCI_SECRET_KEY_PREVIOUS)',
    options: { json },
    flags: [JSON_FLAG],
    example: 'AUDENCI_SECRET_KEY=<new> AUDENCI_SECRET_KEY_PREVIOUS=<old> audenci secrets rotate',
    env: ['AUDENCI_SECRET_KEY, AUDENCI_SECRET_KEY_PREVIOUS', ...SERVER_ENV],
    async run({ values, config }) {
      const secretKey = resolveSecretKey(config);
      const previous = config.previousSecretKeys.filter((k) => !k.equals(secretKey));
      if (previous.length === 0 && !values.json) {
        process.stderr.write(
          'audenci: AUDENCI_SECRET_KEY_PREVIOUS is not set: only checking that every stored secret opens with the current key\n',
        );
      }
      const report = await withDb(config, (db) =>
        rotateSecrets(db, secretBoxes(secretKey, previous), (p) => {
          if (!values.json)
            process.stderr.write(`${p.what}: ${p.scanned} checked, ${p.resealed} re-encrypted\n`);
        }),
      );
      if (values.json) out(JSON.stringify(report));
      else {
        out(`Re-encrypted ${report.resealed} of ${report.scanned} stored secrets with the current key.`);
        if (report.unreadable.length) {
          out(`${report.unreadable.length} could not be opened with any configured key (left unchanged):`);
          for (const where of report.unreadable) out(`  ${where}`);
        } else if (previous.length) {
          out('Every stored secret now opens with AUDENCI_SECRET_KEY: remove AUDENCI_SECRET_KEY_PREVIOUS.');
        }
      }
      return report.unreadable.length ? 1 : 0;
    },
  },
  'orgs create': {
    usage: `audenci orgs create --name <name> --plan <${PLANS.join('|')}> [--rate-limit <requests per hour>] [--json]`,
    summary: 'Create an organization',
    options: { name: { type: 'string' }, plan: { type: 'string' }, 'rate-limit': { type: 'string' }, json },
    flags: [
      ['--name <name>', 'its name (required)'],
      ['--plan <plan>', `its plan: ${PLANS.join(', ')} (required)`],
      ['--rate-limit <n>', "requests per hour, instead of the plan's"],
      JSON_FLAG,
    ],
    example: 'audenci orgs create --name "Acme" --plan growth',
    env: SERVER_ENV,
    async run({ values, config }) {
      if (typeof values.name !== 'string') throw new UsageError('--name is required');
      if (typeof values.plan !== 'string') throw new UsageError('--plan is required');
      const raw = values['rate-limit'];
      if (raw !== undefined && !/^\d+$/.test(String(raw)))
        throw new UsageError('--rate-limit must be a whole number');
      const org = await withDb(config, (db) =>
        createOrganization(db, systemClock, {
          name: values.name as string,
          plan: values.plan as string,
          rateLimit: raw === undefined ? null : Number(raw),
        }),
      );
      if (values.json) out(JSON.stringify(org));
      else out(`Created ${org.id} "${org.name}" on plan ${org.plan} (${org.rateLimit.limit} requests/hour)`);
    },
  },
  'orgs list': {
    usage: 'audenci orgs list [--json]',
    summary: 'List organizations',
    options: { json },
    flags: [['--json', 'print {"data": [...]}']],
    example: 'audenci orgs list',
    env: SERVER_ENV,
    async run({ values, config }) {
      const orgs = await withDb(config, (db) => listOrganizations(db));
      if (values.json) out(JSON.stringify({ data: orgs }));
      else
        out(
          table(
            orgs.map((o) => ({ ...o, limit: o.rateLimit.limit })),
            ['id', 'name', 'plan', 'limit', 'createdAt'],
          ),
        );
    },
  },
  'keys create': {
    usage:
      `audenci keys create --org <org id> --scope <${SCOPES.join('|')}> [--test] [--name <name>] [--expires-at <ISO date-time>] [--json]\n` +
      `  --scope also takes the aliases ${Object.keys(SCOPE_ALIASES).join(', ')}; the key is shown with the canonical name`,
    summary: 'Create an API key (live, or test environment with --test); the key is printed once',
    options: {
      org: { type: 'string' },
      scope: { type: 'string' },
      test: { type: 'boolean', default: false },
      name: { type: 'string' },
      'expires-at': { type: 'string' },
      json,
    },
    flags: [
      ['--org <org id>', 'the organization (required; `audenci orgs list` shows them)'],
      ['--scope <scope>', `${SCOPES.join(', ')} (required)`],
      ['--test', 'a test-environment key (sk_test_…): sandbox accounts, no real publishing'],
      ['--name <name>', 'a label'],
      ['--expires-at <date-time>', 'when it stops working (ISO 8601)'],
      JSON_FLAG,
    ],
    example: 'audenci keys create --org org_01JD7Q8ZK2M4N6P8R0T2V4X6Z1 --scope admin --test',
    env: SERVER_ENV,
    async run({ values, config }) {
      if (typeof values.org !== 'string') throw new UsageError('--org is required');
      if (typeof values.scope !== 'string') throw new UsageError('--scope is required');
      let expiresAt: number | null = null;
      if (typeof values['expires-at'] === 'string') {
        expiresAt = Date.parse(values['expires-at']);
        if (Number.isNaN(expiresAt)) throw new UsageError('--expires-at must be an ISO date-time');
      }
      const key = await withDb(config, (db) =>
        createKey(db, systemClock, {
          organizationId: values.org as string,
          environment: values.test ? 'test' : 'live',
          scope: values.scope as string,
          name: typeof values.name === 'string' ? values.name : null,
          expiresAt,
        }),
      );
      if (values.json) {
        out(JSON.stringify(key));
      } else {
        out(
          `Created ${key.id} (${key.scope}, ${key.environment}). Store the key now; it is not shown again:`,
        );
        out(key.key);
      }
    },
  },
  'keys list': {
    usage: 'audenci keys list [--org <org id>] [--json]',
    summary: 'List API keys (prefix and last 4 characters only)',
    options: { org: { type: 'string' }, json },
    flags: [
      ['--org <org id>', "only this organization's keys"],
      ['--json', 'print {"data": [...]}'],
    ],
    example: 'audenci keys list --org org_01JD7Q8ZK2M4N6P8R0T2V4X6Z1',
    env: SERVER_ENV,
    async run({ values, config }) {
      const keys = await withDb(config, (db) =>
        listAllKeys(db, systemClock, typeof values.org === 'string' ? values.org : undefined),
      );
      if (values.json) out(JSON.stringify({ data: keys }));
      else
        out(
          table(
            keys.map((k) => ({ ...k, key: `${k.prefix}…${k.last4}` })),
            ['id', 'key', 'scope', 'environment', 'status', 'name'],
          ),
        );
    },
  },
  'keys revoke': {
    usage: 'audenci keys revoke <key id> [--json]',
    summary: 'Revoke an API key at once',
    options: { json },
    flags: [JSON_FLAG],
    example: 'audenci keys revoke key_01JD7Q8ZK2M4N6P8R0T2V4X6Z8',
    env: SERVER_ENV,
    positionals: 1,
    async run({ values, positionals, config }) {
      const key = await withDb(config, (db) => revokeKeyById(db, systemClock, positionals[0]!));
      if (values.json) out(JSON.stringify(key));
      else out(`Revoked ${key.id}`);
    },
  },
  'setup-link': {
    usage: 'audenci setup-link [--org <org id>] [--json]',
    summary:
      'Print a new one-time link that makes its holder an owner (of the first organization without one, or --org); earlier links stop working',
    options: { org: { type: 'string' }, json },
    flags: [['--org <org id>', 'the organization (default: the first without an owner)'], JSON_FLAG],
    example: 'audenci setup-link',
    env: ['AUDENCI_PUBLIC_URL  the address the link points at', ...SERVER_ENV],
    async run({ values, config }) {
      const link = await withDb(config, (db) =>
        setupLinkFor(db, systemClock, typeof values.org === 'string' ? values.org : undefined),
      );
      const url = setupUrl(config.publicUrl, link);
      const expiresAt = new Date(link.expiresAt).toISOString();
      if (values.json) out(JSON.stringify({ organizationId: link.organizationId, url, expiresAt }));
      else
        out(`Set up an owner of ${link.organizationId} (the link works once, until ${expiresAt}):\n${url}`);
    },
  },
  'password-reset-link': {
    usage: 'audenci password-reset-link --email <email> [--json]',
    summary:
      'Print a one-time link (valid an hour) with which the person of that email chooses a new password',
    options: { email: { type: 'string' }, json },
    flags: [['--email <email>', 'the person (required)'], JSON_FLAG],
    example: 'audenci password-reset-link --email ada@example.com',
    env: ['AUDENCI_PUBLIC_URL  the address the link points at', ...SERVER_ENV],
    async run({ values, config }) {
      if (typeof values.email !== 'string' || values.email.trim() === '') {
        throw new UsageError('--email is required');
      }
      const email = values.email;
      const link = await withDb(config, (db) =>
        operatorResetLink({ db, clock: systemClock, publicUrl: config.publicUrl }, email),
      );
      if (values.json)
        out(JSON.stringify({ userId: link.userId, url: link.resetUrl, expiresAt: link.expiresAt }));
      else
        out(
          `Reset the password of ${link.email} (the link works once, until ${link.expiresAt}; using it signs them out everywhere):\n${link.resetUrl}`,
        );
    },
  },
  'import posts': {
    usage:
      'audenci import posts <FILE.csv|FILE.json> --brand <brand id> [--base-url <url>] [--key <key>] [--json]',
    summary:
      'Import posts from a CSV or JSON file through the API (a posts.import job), showing its progress',
    options: { brand: { type: 'string' }, ...apiOptions, json },
    flags: [
      ['--brand <brand id>', 'the brand the posts belong to (required)'],
      ...API_FLAGS,
      ['--json', 'print only the final job (no progress on stderr)'],
    ],
    example: 'audenci import posts posts.csv --brand brand_01JD7Q8ZK2M4N6P8R0T2V4X6Z1',
    env: API_ENV,
    positionals: 1,
    async run({ values, positionals, config }) {
      if (typeof values.brand !== 'string') throw new UsageError('--brand is required');
      return importPosts({
        ...apiTarget(values, config),
        file: positionals[0]!,
        brandId: values.brand,
        json: values.json === true,
        stdout: process.stdout,
        stderr: process.stderr,
      });
    },
  },
  'jobs get': {
    usage: 'audenci jobs get <job id> [--base-url <url>] [--key <key>] [--json]',
    summary: "Show a job's status, progress and first errors (through the API)",
    options: { ...apiOptions, json },
    flags: [...API_FLAGS, ['--json', 'print the job']],
    example: 'audenci jobs get job_01JD7Q8ZK2M4N6P8R0T2V4X6Z8',
    env: API_ENV,
    positionals: 1,
    async run({ values, positionals, config }) {
      return showJob({
        ...apiTarget(values, config),
        id: positionals[0]!,
        json: values.json === true,
        stdout: process.stdout,
        stderr: process.stderr,
      });
    },
  },
  listen: {
    usage:
      'audenci listen --forward-to <url> [--events <type,…>] [--secret <whsec_…>] [--after <event id>] [--interval <ms>] [--base-url <url>] [--key <key>] [--json]',
    summary:
      "Follow the organization's events and forward each, signed (Standard Webhooks), to a local receiver",
    options: {
      'forward-to': { type: 'string' },
      events: { type: 'string' },
      secret: { type: 'string' },
      after: { type: 'string' },
      interval: { type: 'string' },
      ...apiOptions,
      json,
    },
    flags: [
      [
        '--forward-to <url>',
        'the receiver: each event is POSTed there as a webhook endpoint gets it (required)',
      ],
      ['--events <type,…>', `only these event types (${EVENT_TYPES.join(', ')}); default all`],
      ['--secret <whsec_…>', 'sign with this secret (default: a new one each run, printed at start)'],
      [
        '--after <event id>',
        'resume after this event, or from the id the line printed on stop names (default: start now)',
      ],
      [
        '--interval <ms>',
        `the first wait before reconnecting to the event stream, doubled up to 30 s (default ${LISTEN_INTERVAL.defaultMs}, ${LISTEN_INTERVAL.minMs}–${LISTEN_INTERVAL.maxMs})`,
      ],
      ...API_FLAGS,
      ['--json', 'one JSON object per line: {"listening"}, then {"event", "status"} per event, {"stopped"}'],
    ],
    example: 'audenci listen --forward-to http://localhost:4000/webhooks --events post.published,post.failed',
    env: API_ENV,
    async run({ values, config }) {
      const forwardTo = values['forward-to'];
      if (typeof forwardTo !== 'string') throw new UsageError('--forward-to is required');
      if (!URL.canParse(forwardTo) || !/^https?:$/.test(new URL(forwardTo).protocol)) {
        throw new UsageError('--forward-to must be an http(s) URL');
      }
      const events = typeof values.events === 'string' ? values.events.split(',').map((e) => e.trim()) : [];
      const unknown = events.filter((e) => !(EVENT_TYPES as readonly string[]).includes(e));
      if (unknown.length) {
        throw new UsageError(
          `--events: unknown type ${unknown.join(', ')} (known: ${EVENT_TYPES.join(', ')})`,
        );
      }
      let intervalMs: number = LISTEN_INTERVAL.defaultMs;
      if (values.interval !== undefined) {
        intervalMs = Number(values.interval);
        if (
          !/^\d+$/.test(String(values.interval)) ||
          intervalMs < LISTEN_INTERVAL.minMs ||
          intervalMs > LISTEN_INTERVAL.maxMs
        ) {
          throw new UsageError(
            `--interval must be a whole number of ms, ${LISTEN_INTERVAL.minMs}–${LISTEN_INTERVAL.maxMs}`,
          );
        }
      }
      const target = apiTarget(values, config);
      const secret = typeof values.secret === 'string' ? checkSecret(values.secret) : undefined;
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        return await listen({
          ...target,
          forwardTo,
          events,
          secret,
          after: typeof values.after === 'string' ? values.after : undefined,
          intervalMs,
          json: values.json === true,
          stdout: process.stdout,
          stderr: process.stderr,
          signal: stop.signal,
        });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    },
  },
};

const EXIT_CODES: [number, string][] = [
  [EXIT.ok, 'success'],
  [EXIT.failure, 'failure: some items failed, or the API refused the request (not found, invalid input…)'],
  [EXIT.usage, 'usage error: unknown command, missing or bad option or argument'],
  [EXIT.connection, 'connection error: the server cannot be reached'],
  [EXIT.authentication, 'authentication error: the API key was refused (401) or lacks the scope (403)'],
  [EXIT.config, 'configuration error: a bad environment variable'],
];

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  return [
    'Usage: audenci <command> [options]',
    '       audenci help <command> | <command> --help | --version',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Options of every command: --json prints exactly one JSON object, on stdout, whatever the outcome',
    '(listen: one per line); an error is {"error": {"code", "message", "exitCode", ...}}.',
    '',
    'Exit codes:',
    ...EXIT_CODES.map(([code, meaning]) => `  ${String(code).padEnd(3)} ${meaning}`),
    '',
    'Environment:',
    '  AUDENCI_BASE_URL, AUDENCI_API_KEY  the server and API key of import posts, jobs get and listen',
    '                                     (the SDK reads the same two)',
    "  DATABASE_URL, AUDENCI_DATA_DIR, …  the server's configuration, read by the other commands",
    '                                     (docs/operations.md)',
  ].join('\n');
}

function commandHelp(name: string, command: Command): string {
  const width = Math.max(10, ...command.flags.map(([flag]) => flag.length));
  return [
    `Usage: ${command.usage}`,
    '',
    command.summary,
    '',
    'Options:',
    ...[...command.flags, ['-h, --help', 'this help'] as [string, string]].map(
      ([flag, text]) => `  ${flag.padEnd(width)}  ${text}`,
    ),
    '',
    'Example:',
    `  ${command.example}`,
    '',
    'Environment:',
    ...(command.env.length ? command.env.map((e) => `  ${e}`) : ['  (none)']),
    '',
    `Exit codes: ${EXIT_CODES.map(([code]) => code).join(', ')} (audenci --help says what each means). audenci ${name} is in docs/cli.md.`,
  ].join('\n');
}

/** The failure `error` means, as an exit code and the `--json` error object. */
function asCliError(error: unknown, usage: string | undefined): CliError {
  if (error instanceof CliError) {
    if (error.exitCode === EXIT.usage && usage && error.details.usage === undefined) {
      return new CliError(error.exitCode, error.code, error.message, { ...error.details, usage });
    }
    return error;
  }
  if (error instanceof ConfigError) {
    return new CliError(EXIT.config, 'CONFIG_ERROR', error.message, { variable: error.variable });
  }
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    return new CliError(EXIT.usage, 'USAGE_ERROR', (error as Error).message, usage ? { usage } : {});
  }
  if (error instanceof AppError) {
    return new CliError(
      EXIT.failure,
      error.code,
      error.message,
      error.details ? { details: error.details } : {},
    );
  }
  return new CliError(EXIT.failure, 'ERROR', (error as Error)?.message ?? String(error));
}

export async function main(argv: string[]): Promise<number> {
  const asJson = argv.includes('--json');
  const words = argv.filter((a) => a !== '--json');
  const print = (text: string, value: unknown) => out(asJson ? JSON.stringify(value) : text);
  const fail = (error: CliError) => {
    if (asJson) out(JSON.stringify(error.toJSON()));
    else {
      const label = error.details.status !== undefined ? `${error.code}: ` : '';
      const usage = typeof error.details.usage === 'string' ? `\nUsage: ${error.details.usage}` : '';
      process.stderr.write(`audenci: ${label}${error.message}${usage}\n`);
    }
    return error.exitCode;
  };

  const [first, second] = words;
  if (first === '--version' || first === '-V' || first === 'version') {
    print(`audenci ${VERSION}`, { version: VERSION });
    return 0;
  }
  if (!first && asJson) return fail(usageError('a command is required (audenci --help lists them)'));
  if (!first || first === '--help' || first === '-h' || (first === 'help' && !second)) {
    print(help(), { help: help() });
    return first ? 0 : EXIT.usage;
  }
  const topic = first === 'help' ? words.slice(1) : words;
  const name = COMMANDS[topic[0]!] ? topic[0]! : `${topic[0]} ${topic[1] ?? ''}`.trim();
  const command = COMMANDS[name];
  if (!command) {
    if (asJson) return fail(new CliError(EXIT.usage, 'UNKNOWN_COMMAND', `unknown command '${name}'`));
    process.stderr.write(`audenci: unknown command '${name}'\n\n${help()}\n`);
    return EXIT.usage;
  }
  const rest = topic.slice(name.split(' ').length);
  if (first === 'help' || rest.includes('--help') || rest.includes('-h')) {
    const text = commandHelp(name, command);
    print(text, { command: name, usage: command.usage, help: text });
    return 0;
  }
  try {
    const { values, positionals } = parseArgs({
      args: asJson ? [...rest, '--json'] : rest,
      options: command.options,
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== (command.positionals ?? 0)) {
      throw new UsageError(`expected ${command.positionals ?? 0} argument(s), got ${positionals.length}`);
    }
    const config = loadConfig();
    return (
      (await command.run({
        values: values as Record<string, string | boolean | undefined>,
        positionals,
        config,
      })) ?? 0
    );
  } catch (error) {
    return fail(asCliError(error, command.usage));
  }
}

const invokedDirectly =
  process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!);
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`audenci: ${String(error)}\n`);
      process.exit(1);
    },
  );
}
