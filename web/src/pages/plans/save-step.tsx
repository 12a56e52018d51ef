import { useState } from 'react';
import { Link } from '@tanstack/react-router';
import type { Plan } from '@audenci/sdk-js';
import { client } from '../../api/client';
import { toProblem, type Problem } from '../../api/problem';
import { Field } from '../../components/field';
import { Form, FormAlert } from '../../components/form';
import { itemInput } from './plans-api';
import { ApplyProgress, ApplyResult, useApplyJob } from './apply-progress';
import type { PreviewState } from './preview-step';
import { parametersOf, type Answers } from './wizard-steps';

/**
 * The last step: a name, then "Save as draft" or "Save and apply". The items sent are the preview as
 * edited; an item the server refuses (`items.3.caption`) is marked on the calendar and the wizard goes
 * back to it.
 */
export function SaveStep({
  answers,
  preview,
  brandName,
  onBack,
  onItemProblems,
  onSaved,
}: {
  answers: Answers;
  preview: PreviewState;
  brandName: string;
  onBack: () => void;
  onItemProblems: (preview: PreviewState) => void;
  onSaved: (plan: Plan) => void;
}) {
  const [name, setName] = useState(`${brandName} plan, ${answers.firstDay} to ${answers.lastDay}`);
  const [nameError, setNameError] = useState<string>();
  const [problem, setProblem] = useState<Problem>();
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState<Plan>();
  const apply = useApplyJob();

  const submit = async (andApply: boolean) => {
    if (!name.trim()) {
      setNameError('Give the plan a name.');
      return;
    }
    setNameError(undefined);
    setProblem(undefined);
    let plan = saved;
    if (!plan) {
      setSaving(true);
      try {
        plan = await client.plans.create({
          name: name.trim(),
          ...parametersOf(answers),
          items: preview.items.map(itemInput),
        });
        setSaved(plan);
        onSaved(plan);
      } catch (error) {
        const found = toProblem(error);
        const match = /^items\.(\d+)\.(\w+)$/.exec(found.field ?? '');
        if (match) return backToItems(error);
        if (found.field === 'name') setNameError(found.reason ?? found.message);
        else setProblem(found);
        return;
      } finally {
        setSaving(false);
      }
    }
    if (andApply) await apply.start(plan);
  };

  /** Marks each refused item with its reason (the envelope lists every problem) and returns to the calendar. */
  const backToItems = (error: unknown) => {
    const details = (error as { details?: { errors?: { field: string; reason: string }[] } }).details;
    const reasons = new Map<number, string>();
    for (const e of details?.errors ?? []) {
      const m = /^items\.(\d+)\.(\w+)$/.exec(e.field);
      if (m && !reasons.has(Number(m[1]))) reasons.set(Number(m[1]), `${m[2]}: ${e.reason}`);
    }
    onItemProblems({
      ...preview,
      items: preview.items.map((item, i) => ({ ...item, error: reasons.get(i) })),
    });
  };

  if (saved && apply.result && apply.job)
    return (
      <div className="stack">
        <ApplyProgress job={apply.job} />
        <ApplyResult job={apply.job} plan={saved} />
      </div>
    );
  if (saved && !apply.job && !apply.running && !apply.problem)
    return (
      <div className="stack">
        <div className="alert alert--success" role="status">
          Plan “{saved.name}” saved as a draft with {saved.items.length} items.
        </div>
        <p>
          <Link to="/plans/$planId" params={{ planId: saved.id }}>
            Open the plan
          </Link>{' '}
          to apply it later, or{' '}
          <button type="button" className="button button--primary" onClick={() => void submit(true)}>
            Apply it now
          </button>
        </p>
      </div>
    );

  const busy = saving || apply.running;
  return (
    <Form onSubmit={() => void submit(true)} error={problem?.message} label="Save the plan">
      <Field
        label="Plan name"
        name="name"
        maxLength={200}
        value={name}
        error={nameError}
        disabled={busy || Boolean(saved)}
        onChange={(e) => setName(e.target.value)}
      />
      <p>
        {preview.items.length} {preview.items.length === 1 ? 'post' : 'posts'} will be saved
        {preview.dropped.length ? ` (${preview.dropped.length} dropped)` : ''}. Applying creates a draft
        campaign named after the plan and one draft post per item, at its planned time.
      </p>
      {problem?.requestId ? <p className="state__meta">Request id: {problem.requestId}</p> : null}
      <ApplyProgress job={apply.job} saving={saving} />
      <FormAlert message={apply.problem?.message} />
      <div className="wizard__nav">
        <button
          type="button"
          className="button button--secondary"
          onClick={onBack}
          disabled={busy || Boolean(saved)}
        >
          Back
        </button>
        {saved ? null : (
          <button
            type="button"
            className="button button--secondary"
            disabled={busy}
            onClick={() => void submit(false)}
          >
            Save as draft
          </button>
        )}
        <button type="submit" className="button button--primary" disabled={busy}>
          {busy ? 'Applying…' : saved ? 'Try applying again' : 'Save and apply'}
        </button>
      </div>
    </Form>
  );
}
