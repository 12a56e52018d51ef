import { useState } from 'react';
import type { Plan, PlanApplication } from '@audenci/sdk-js';
import { client } from '../../api/client';
import { toProblem, type Problem } from '../../api/problem';

/**
 * Applying a plan, step by step: saving it (in the wizard), the one call that creates the campaign and
 * all its drafts in a transaction, then reading the campaign's posts back to confirm how many exist.
 * Each step moves the bar; apply itself is atomic, so there is no per-post progress to show within it.
 */
export interface ApplyState {
  /** The steps of this run, e.g. ["Saving the plan", "Creating …", "Checking …"]. */
  steps: string[];
  /** Steps finished (0 … steps.length). */
  done: number;
  running: boolean;
  problem?: Problem;
  /** Drafts found in the campaign after applying. */
  found?: number;
}

export function useApply() {
  const [state, setState] = useState<ApplyState>({ steps: [], done: 0, running: false });
  const creating = (items: number) =>
    `Creating the campaign and ${items} draft ${items === 1 ? 'post' : 'posts'}`;
  const checking = 'Checking the drafts';
  return {
    ...state,
    /** The wizard: saving comes first. */
    start(items: number) {
      setState({ steps: ['Saving the plan', creating(items), checking], done: 0, running: true });
    },
    reset() {
      setState({ steps: [], done: 0, running: false });
    },
    /** Applies `plan` (after `start`, or on its own from the plan page); the result, or undefined on failure. */
    async run(plan: Plan): Promise<PlanApplication | undefined> {
      // After `start` the plan is saved: step 2 of 3. From the plan page: step 1 of 2.
      setState((s) =>
        s.running
          ? { ...s, done: 1 }
          : { steps: [creating(plan.items.length), checking], done: 0, running: true },
      );
      try {
        const result = await client.plans.apply(plan.id);
        setState((s) => ({ ...s, done: s.done + 1 }));
        let found: number | undefined;
        if (result.plan.campaignId) {
          const page = await client.campaigns.listPosts(result.plan.campaignId, { limit: 1 });
          found = page.pagination.totalCount ?? undefined;
        }
        setState((s) => ({ ...s, done: s.steps.length, running: false, found }));
        return result;
      } catch (error) {
        setState((s) => ({ ...s, running: false, problem: toProblem(error) }));
        return undefined;
      }
    },
  };
}

/** The bar and the step it is at, announced as it changes. */
export function ApplyProgress({ state, saving = false }: { state: ApplyState; saving?: boolean }) {
  if (!state.running && !saving) return null;
  const { steps, done } = state;
  const current = steps[Math.min(done, steps.length - 1)] ?? 'Saving the plan';
  return (
    <div className="apply-progress">
      <progress className="usage__bar" aria-label="Applying the plan" max={steps.length || 1} value={done} />
      <p role="status" className="apply-progress__status">
        Step {Math.min(done + 1, steps.length || 1)} of {steps.length || 1}: {current}…
      </p>
    </div>
  );
}
