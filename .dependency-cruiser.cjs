/**
 * The architecture of `src/`, checked in CI (`npm run lint:architecture`). Layers, bottom to top — a
 * layer imports only from layers below it and from itself:
 *
 *   shared, config        plain building blocks: errors, ids, clock, crypto, retry policy; settings
 *   db, platforms, ai,    the database (tables, migrations, dialects), the social networks (one folder
 *   mail                  each, behind the registry), AI providers, outbound mail (SMTP) — none knows
 *                         the others but `ai` reads the platform registry (tone and caption hints live
 *                         with each network)
 *   http                  the HTTP edge's helpers (auth, errors, schemas, idempotency, rate limits…);
 *                         it knows no module
 *   modules               the product, one folder per resource; a module's route and schema files may
 *                         use `http`, its other files may not; one module reaches another only
 *                         through that module's `index.ts`
 *   worker                the queue's runner: assembles the job types and periodic tasks modules
 *                         declare
 *   app, runtime, main, cli, bootstrap   composition: they wire everything together; nothing imports
 *                         them
 *
 * And no import cycles, between files or between folders. Tests are not checked.
 */
const ENTRY = '^src/(app|runtime|main|cli|bootstrap)\\.ts$';

/** A rule: files matching `from` import only what `allowed` matches (besides npm and node). */
function layer(name, from, allowed, comment) {
  return {
    name,
    comment,
    severity: 'error',
    from: { path: from },
    to: { path: '^src/', pathNot: allowed },
  };
}

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'Import cycles between files make load order matter and areas inseparable.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-folder-cycles',
      comment: 'Two folders that import each other are one area in two places.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    layer(
      'shared',
      '^src/shared/',
      '^src/(shared|types)/',
      'shared is the base: it imports nothing of ours.',
    ),
    layer('config', '^src/config/', '^src/(shared|config|types)/', 'config reads settings, on shared only.'),
    layer('db', '^src/db/', '^src/(shared|config|db|types)/', 'db knows tables, not what uses them.'),
    layer(
      'platforms',
      '^src/platforms/',
      '^src/(shared|config|platforms|types)/',
      'A network knows its API, never our database or HTTP edge.',
    ),
    layer(
      'ai',
      '^src/ai/',
      '^src/(shared|config|platforms|ai|types)/',
      'AI providers read only the platforms.',
    ),
    layer(
      'mail',
      '^src/mail/',
      '^src/(shared|config|mail|types)/',
      'Mail sends what it is given, on settings.',
    ),
    layer(
      'http',
      '^src/http/',
      '^src/(shared|config|db|http|types)/',
      'The HTTP edge knows no module: route files use it, app.ts assembles them.',
    ),
    {
      name: 'modules',
      comment: 'Modules never reach the worker or the composition; only route and schema files use http.',
      severity: 'error',
      from: { path: '^src/modules/' },
      to: { path: `^src/worker/|${ENTRY}` },
    },
    {
      name: 'modules-http-only-in-routes',
      comment: 'Services, repositories and jobs are free of HTTP; route and schema files are the edge.',
      severity: 'error',
      from: { path: '^src/modules/', pathNot: '\\.(routes|schemas)\\.ts$' },
      to: { path: '^src/http/' },
    },
    {
      name: 'module-through-index',
      comment: "A module reaches another only through its index.ts, never into the other's files.",
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/[^/]+/', pathNot: ['^src/modules/$1/', '^src/modules/[^/]+/index\\.ts$'] },
    },
    {
      name: 'module-root-through-index',
      comment: 'The files shared by all modules (src/modules/*.ts) reach a module through its index.ts too.',
      severity: 'error',
      from: { path: '^src/modules/[^/]+\\.ts$' },
      to: { path: '^src/modules/[^/]+/', pathNot: '^src/modules/[^/]+/index\\.ts$' },
    },
    layer(
      'worker',
      '^src/worker/',
      '^src/(shared|config|db|platforms|ai|mail|modules|worker|types)/',
      'The worker runs what modules declare; it has no HTTP.',
    ),
    {
      name: 'composition-on-top',
      comment: 'app, runtime, main, cli and bootstrap wire everything; nothing below imports them.',
      severity: 'error',
      from: { path: '^src/', pathNot: ENTRY },
      to: { path: ENTRY },
    },
  ],
  options: {
    includeOnly: '^src/',
    exclude: { path: '\\.test\\.ts$' },
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.js'],
    },
  },
};
