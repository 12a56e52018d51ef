import type { FieldProblem } from '../errors.js';
import { problemsFrom } from './validator.js';

/**
 * The rules of an input (a request part, a batch item, a job payload) that the schema cannot express
 * but the input alone decides (a date range in order, a time in the future, two fields that exclude each
 * other). It receives the input as sent — possibly not matching the schema — and must judge only the
 * fields of the expected type, leaving the rest to the schema. Checks that need the database (an unknown
 * `brandId`) belong in the service.
 */
export type InputCheck = (input: Record<string, unknown>) => FieldProblem[];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Runs a check on input that may have any shape: a part that is not an object has nothing to check. */
export function runCheck(check: InputCheck | undefined, input: unknown): FieldProblem[] {
  return check && isRecord(input) ? check(input) : [];
}

/**
 * The position of a field in an object schema, by its first segment (`posts.3.caption` → `posts`): the
 * whole input first, fields the schema does not declare last.
 */
export function fieldRank(schema: unknown): (field: string) => number {
  const properties = isRecord(schema) && isRecord(schema.properties) ? schema.properties : {};
  const names = Object.keys(properties);
  return (field) => {
    if (field === '') return -1;
    const index = names.indexOf(field.split('.')[0]!);
    return index === -1 ? names.length : index;
  };
}

/**
 * Every problem of the list, once per field (the first reason wins): `raised` first, as raised, then the
 * others in the order of the fields in the schema.
 */
export function mergeProblems(
  raised: FieldProblem[],
  more: FieldProblem[],
  rank: (field: string) => number = () => 0,
): FieldProblem[] {
  const seen = new Set(raised.map((p) => p.field));
  const added: FieldProblem[] = [];
  for (const problem of more) {
    if (seen.has(problem.field)) continue;
    seen.add(problem.field);
    added.push(problem);
  }
  added.sort((a, b) => rank(a.field) - rank(b.field));
  return [...raised, ...added];
}

/**
 * Every problem of an input checked outside a route — a batch item, a job payload — as a route's 400
 * would list them: those found before the schema ran (`first`, e.g. read-only fields), the schema's
 * (`validate`, compiled by `validatorCompiler`) and the input check's (`check`); `schema` gives the field
 * order.
 */
export function inputProblems(
  input: unknown,
  validate: ((input: unknown) => unknown) & { errors?: Parameters<typeof problemsFrom>[0] | null },
  options: { check?: InputCheck; schema?: unknown; first?: FieldProblem[] } = {},
): FieldProblem[] {
  const schema = validate(input) === true ? [] : problemsFrom(validate.errors ?? []);
  const checked = runCheck(options.check, input);
  const rank = fieldRank(options.schema);
  // As a route answers: what was raised first keeps its order (the schema's, unless a pre-validation
  // refusal came first), the rest follows in field order.
  return options.first?.length
    ? mergeProblems(options.first, [...schema, ...checked], rank)
    : mergeProblems(schema, checked, rank);
}
