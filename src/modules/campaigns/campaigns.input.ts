import { parseDateInput } from '../../shared/dates.js';
import type { FieldProblem } from '../../shared/errors.js';

/**
 * The rules of a campaign body that its schema cannot express and that need nothing but the body: a new
 * campaign is DRAFT or ACTIVE, and `endDate` comes after `startDate` when the body gives both (a PATCH
 * giving one is compared with the stored other by the service). Each date's format, and a blank name,
 * are the schema's. `create` is `POST /campaigns`; PUT and PATCH change an existing campaign.
 */
export function campaignInputProblems(input: Record<string, unknown>, create: boolean): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const start = typeof input.startDate === 'string' ? parseDateInput(input.startDate) : undefined;
  const end = typeof input.endDate === 'string' ? parseDateInput(input.endDate) : undefined;
  if (start !== undefined && end !== undefined && end <= start) {
    problems.push({ field: 'endDate', reason: 'Must be after startDate' });
  }
  if (create && typeof input.status === 'string' && !['DRAFT', 'ACTIVE'].includes(input.status)) {
    problems.push({ field: 'status', reason: 'A new campaign is DRAFT or ACTIVE' });
  }
  return problems;
}
