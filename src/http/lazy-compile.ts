import { createRequire } from 'node:module';
import type { FastifySchemaCompiler, FastifyServerOptions } from 'fastify';

/**
 * Route schemas compiled when a route first needs them, not at start-up.
 *
 * Fastify compiles every route's request validators (Ajv) and response serializers
 * (fast-json-stringify) while the app boots: every operation twice (`/api/v1` and its `/api` alias), its
 * `HEAD` twin again, every declared status. That was most of the start-up time (seconds of CPU) and tens
 * of megabytes of generated code held for routes a process may never serve. Here each compiled function
 * is a stand-in that compiles the real one on its first call and delegates to it from then on: the same
 * compiler, the same schema, the same options, so a request is validated and an answer serialized exactly
 * as before — only when the work is done moves.
 *
 * A schema that does not compile used to stop the start-up; now it would fail the first request to its
 * route (a 500). `compileAllSchemas(app)` compiles every stand-in the app holds at once: the tests call
 * it (test/startup-footprint.test.ts), so a broken schema still fails CI, not a user.
 */

type Compile<F> = () => F;

/** Every stand-in that has not compiled yet, per app (the root instance's children share it). */
const pending = new WeakMap<object, Set<() => unknown>>();

function track(owner: object, force: () => unknown): () => void {
  let set = pending.get(owner);
  if (!set) pending.set(owner, (set = new Set()));
  set.add(force);
  return () => set.delete(force);
}

/** What Fastify's validation reads from a compiled validator besides calling it (lib/validation.js). */
interface Validator {
  (data: unknown, context?: unknown): unknown;
  errors?: unknown;
  schemaEnv?: unknown;
}

function lazyValidator(owner: object, compile: Compile<Validator>): Validator {
  let real: Validator | undefined;
  const done = track(owner, () => get());
  const get = () => {
    if (!real) {
      real = compile();
      done();
    }
    return real;
  };
  const validate = ((data: unknown, context?: unknown) =>
    context === undefined ? get()(data) : get()(data, context)) as Validator;
  Object.defineProperties(validate, {
    // Fastify asks for it before each call (to pass Ajv the parent object): compile then.
    schemaEnv: { get: () => get().schemaEnv },
    // The errors of the last call, which Ajv sets on the compiled function itself.
    errors: {
      get: () => real?.errors ?? null,
      set: (value: unknown) => {
        get().errors = value;
      },
    },
  });
  return validate;
}

type Serializer = (data: unknown) => string;

function lazySerializer(owner: object, compile: Compile<Serializer>): Serializer {
  let real: Serializer | undefined;
  const done = track(owner, () => get());
  const get = () => {
    if (!real) {
      real = compile();
      done();
    }
    return real;
  };
  return (data: unknown) => get()(data);
}

type ValidatorCompiler = FastifySchemaCompiler<object>;
type SchemaController = NonNullable<FastifyServerOptions['schemaController']>;
type SerializerFactory = NonNullable<NonNullable<SchemaController['compilersFactory']>['buildSerializer']>;

/** Fastify's own serializer factory, the one it would use without `schemaController` (exactly that copy). */
function defaultSerializerFactory(): SerializerFactory {
  const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));
  const { SerializerSelector } = fromFastify('@fastify/fast-json-stringify-compiler') as {
    SerializerSelector: () => SerializerFactory;
  };
  return SerializerSelector();
}

/** The lazy compilers of one app: pass `schemaController` to Fastify() and `validatorCompiler` to it. */
export interface LazySchemas {
  schemaController: SchemaController;
  validatorCompiler(compiler: ValidatorCompiler): ValidatorCompiler;
  /** Ties the stand-ins to the app, for `compileAllSchemas(app)`. */
  attach(app: object): void;
}

const owners = new WeakMap<object, object>();

/** Fastify's default serializers and the given validator compiler, each compiled on first use. */
export function lazySchemas(): LazySchemas {
  const owner = {};
  const base = defaultSerializerFactory();
  return {
    schemaController: {
      compilersFactory: {
        buildSerializer: (externalSchemas, options) => {
          const compiler = base(externalSchemas, options);
          return (route) => lazySerializer(owner, () => compiler(route) as Serializer);
        },
      },
    },
    validatorCompiler: (compiler) => (route) =>
      lazyValidator(owner, () => compiler(route) as Validator) as ReturnType<ValidatorCompiler>,
    attach: (app) => void owners.set(app, owner),
  };
}

/**
 * Compiles every validator and serializer of the app not compiled yet, and throws the first compile
 * error (as a start-up would have). Returns how many it compiled.
 */
export function compileAllSchemas(app: object): number {
  const set = pending.get(owners.get(app) ?? app);
  if (!set) return 0;
  let count = 0;
  for (const force of [...set]) {
    force();
    count++;
  }
  return count;
}

/** How many of the app's validators and serializers have not compiled yet. */
export function uncompiledSchemas(app: object): number {
  return pending.get(owners.get(app) ?? app)?.size ?? 0;
}
