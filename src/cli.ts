import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, loadConfig, type Config } from './config/index.js';
import { createDb, migrateDatabase } from './db/index.js';
import { createLogger, handleSignals, start, type ProcessRole } from './main.js';
import { ImportUsageError, importPosts, showJob, type ApiTarget } from './modules/jobs/jobs.cli.js';
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
  positionals?: number;
  run(args: {
    values: Record<string, string | boolean | undefined>;
    positionals: string[];
    config: Config;
  }): Promise<number | void>;
}

class UsageError extends Error {}

const json = { type: 'boolean', default: false } as const;
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

const apiOptions = { 'api-url': { type: 'string' }, key: { type: 'string' } } as const;

/** Where the HTTP commands send requests: --api-url / --key, else AUDENCI_API_URL / AUDENCI_API_KEY. */
function apiTarget(values: Record<string, string | boolean | undefined>, config: Config): ApiTarget {
  const key = typeof values.key === 'string' ? values.key : process.env.AUDENCI_API_KEY;
  if (!key) throw new UsageError('an API key is required: --key or AUDENCI_API_KEY');
  const apiUrl =
    typeof values['api-url'] === 'string'
      ? values['api-url']
      : (process.env.AUDENCI_API_URL ?? `http://localhost:${config.port}`);
  if (!/^https?:\/\//.test(apiUrl)) throw new UsageError('--api-url must be an http(s) URL');
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
    usage: 'audenci secrets generate',
    summary: 'Print a new random AUDENCI_SECRET_KEY (32 bytes, hex)',
    options: {},
    async run() {
      out(randomBytes(32).toString('hex'));
    },
  },
  'secrets rotate': {
    usage: 'audenci secrets rotate [--json]',
    summary:
      'Re-encrypt stored platform tokens and webhook secrets with AUDENCI_SECRET_KEY (the old key in AUDENCI_SECRET_KEY_PREVIOUS)',
    options: { json },
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
      'audenci import posts <FILE.csv|FILE.json> --brand <brand id> [--api-url <url>] [--key <key>] [--json]',
    summary:
      'Import posts from a CSV or JSON file through the API (a posts.import job), showing its progress',
    options: { brand: { type: 'string' }, ...apiOptions, json },
    positionals: 1,
    async run({ values, positionals, config }) {
      if (typeof values.brand !== 'string') throw new UsageError('--brand is required');
      try {
        return await importPosts({
          ...apiTarget(values, config),
          file: positionals[0]!,
          brandId: values.brand,
          json: values.json === true,
          stdout: process.stdout,
          stderr: process.stderr,
        });
      } catch (error) {
        if (error instanceof ImportUsageError) throw new UsageError(error.message);
        throw error;
      }
    },
  },
  'jobs get': {
    usage: 'audenci jobs get <job id> [--api-url <url>] [--key <key>] [--json]',
    summary: "Show a job's status, progress and first errors (through the API)",
    options: { ...apiOptions, json },
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
};

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  return [
    'Usage: audenci <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Run "audenci <command> --help" for its options. Every command reads the same environment variables as',
    'the server (DATABASE_URL, AUDENCI_DATA_DIR, ...); see docs/operations.md.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [first, second] = argv;
  if (!first || first === '--help' || first === '-h' || first === 'help') {
    out(help());
    return first ? 0 : 2;
  }
  const name = COMMANDS[first] ? first : `${first} ${second ?? ''}`.trim();
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`audenci: unknown command '${name}'\n\n${help()}\n`);
    return 2;
  }
  const rest = argv.slice(name.split(' ').length);
  if (rest.includes('--help') || rest.includes('-h')) {
    out(`Usage: ${command.usage}\n\n${command.summary}`);
    return 0;
  }
  try {
    const { values, positionals } = parseArgs({
      args: rest,
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
    if (error instanceof ConfigError) {
      process.stderr.write(`audenci: ${error.message}\n`);
      return 78;
    }
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`audenci: ${(error as Error).message}\nUsage: ${command.usage}\n`);
      return 2;
    }
    if (error instanceof AppError) {
      process.stderr.write(`audenci: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(`audenci: ${(error as Error).message ?? String(error)}\n`);
    return 1;
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
