import { useEffect, useRef, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import type { PlanPreview } from '@audenci/sdk-js';
import { client } from '../../api/client';
import { toProblem, type Problem } from '../../api/problem';
import { Form, FormAlert } from '../../components/form';
import { ErrorState, Loading, QueryView } from '../../components/states';
import { browserTimeZone } from '../../components/time-zone-field';
import { brandsQuery } from '../../api/brands';
import { PreviewStep, type PreviewState } from './preview-step';
import { SaveStep } from './save-step';
import {
  BrandStep,
  DatesStep,
  FIELD_OF,
  FrequencyStep,
  parametersOf,
  PlatformsStep,
  STEP_OF,
  stepProblems,
  TopicsStep,
  type AnswerField,
  type Answers,
  type ParameterStep,
  type Problems,
} from './wizard-steps';
import { shiftDate, today } from '../../components/zoned-time';
import './plans.css';
import { platformsQuery } from '../../api/platforms';

const STEPS = [
  { id: 'brand', title: 'Brand' },
  { id: 'dates', title: 'Dates' },
  { id: 'platforms', title: 'Platforms' },
  { id: 'topics', title: 'Topics' },
  { id: 'frequency', title: 'Frequency' },
  { id: 'preview', title: 'Preview' },
  { id: 'save', title: 'Save and apply' },
] as const;
type StepId = (typeof STEPS)[number]['id'];

function firstAnswers(): Answers {
  const start = today();
  return {
    brandId: '',
    firstDay: start,
    lastDay: shiftDate(start, 27),
    timezone: browserTimeZone(),
    platforms: [],
    topics: '',
    goal: '',
    postsPerWeek: '3',
  };
}

/** The step indicator: every step named, the current one marked for assistive technology. */
function StepIndicator({ current }: { current: StepId }) {
  const at = STEPS.findIndex((s) => s.id === current);
  return (
    <ol className="wizard-steps" aria-label="Steps">
      {STEPS.map((step, i) => (
        <li
          key={step.id}
          className={`wizard-steps__step${i < at ? ' wizard-steps__step--done' : ''}${i === at ? ' wizard-steps__step--current' : ''}`}
          aria-current={i === at ? 'step' : undefined}
        >
          <span className="wizard-steps__number" aria-hidden="true">
            {i + 1}
          </span>
          <span className="wizard-steps__title">
            {step.title}
            {i < at ? <span className="visually-hidden"> (done)</span> : null}
          </span>
        </li>
      ))}
    </ol>
  );
}

/**
 * The content plan wizard: brand, dates, platforms, topics, frequency → a preview on a calendar where each
 * item can be edited or dropped → save (the edited items) and apply, with its progress.
 */
export function PlanWizardPage() {
  const brands = useQuery(brandsQuery);
  const platforms = useQuery(platformsQuery);
  const queryClient = useQueryClient();
  const [step, setStep] = useState<StepId>('brand');
  const [answers, setAnswers] = useState<Answers>(firstAnswers);
  const [problems, setProblems] = useState<Problems>({});
  const [preview, setPreview] = useState<PreviewState>();
  const [previewProblem, setPreviewProblem] = useState<Problem>();
  const heading = useRef<HTMLHeadingElement>(null);
  const moved = useRef(false);

  // Focus follows the step, so a keyboard or screen reader user starts at the new step's title.
  useEffect(() => {
    if (moved.current) heading.current?.focus();
    moved.current = true;
  }, [step]);

  const generate = useMutation({
    mutationFn: () => client.plans.generatePreview(parametersOf(answers)),
    onSuccess: (data: PlanPreview) => {
      setPreview({
        summary: data.summary,
        items: data.items.map((item, i) => ({ ...item, key: `item-${i}` })),
        dropped: [],
      });
      setPreviewProblem(undefined);
    },
    onError: (error) => {
      const problem = toProblem(error);
      const field = problem.field?.split('.')[0];
      if (field && STEP_OF[field]) {
        // The server judged a parameter: back to its step, the message next to the field.
        setProblems({ [FIELD_OF[field] ?? field]: problem.reason ?? problem.message });
        setStep(STEP_OF[field]);
      } else setPreviewProblem(problem);
    },
  });

  const set = (field: AnswerField, value: string | string[]) => {
    setAnswers((a) => ({ ...a, [field]: value }));
    setPreview(undefined);
  };
  const index = STEPS.findIndex((s) => s.id === step);
  const back = () => {
    setProblems({});
    setStep(STEPS[index - 1]!.id);
  };
  const next = () => {
    if (step === 'preview' || step === 'save') return;
    const found = stepProblems(step as ParameterStep, answers, today());
    setProblems(found);
    if (Object.keys(found).length) return;
    const to = STEPS[index + 1]!.id;
    if (to === 'preview' && !preview) generate.mutate();
    setStep(to);
  };
  const brand = brands.data?.items.find((b) => b.id === answers.brandId);

  return (
    <section className="page" aria-labelledby="wizard-title">
      <header className="page__header">
        <p className="page__eyebrow">
          <Link to="/plans">Content plans</Link>
        </p>
        <h1 id="wizard-title">New content plan</h1>
      </header>
      <StepIndicator current={step} />
      <div className="panel wizard">
        <h2 className="wizard__title" ref={heading} tabIndex={-1}>
          Step {index + 1} of {STEPS.length}: {STEPS[index]!.title}
        </h2>
        <QueryView query={brands} loading="Loading brands…">
          {(list) => (
            <QueryView query={platforms} loading="Loading platforms…">
              {(rules) => {
                if (step === 'preview')
                  return generate.isPending || (!preview && !previewProblem) ? (
                    <Loading label="Writing the plan…" />
                  ) : previewProblem ? (
                    <ErrorState problem={previewProblem} onRetry={() => generate.mutate()} />
                  ) : (
                    <PreviewStep
                      preview={preview!}
                      rules={rules}
                      onChange={setPreview}
                      onBack={back}
                      onNext={() => setStep('save')}
                    />
                  );
                if (step === 'save')
                  return (
                    <SaveStep
                      answers={answers}
                      preview={preview!}
                      brandName={brand?.name ?? ''}
                      onBack={back}
                      onItemProblems={(next) => {
                        setPreview(next);
                        setStep('preview');
                      }}
                      onSaved={() => void queryClient.invalidateQueries({ queryKey: ['plans'] })}
                    />
                  );
                const props = { answers, problems, set };
                const unfinished = Object.keys(problems).length > 0;
                return (
                  <Form onSubmit={next}>
                    {unfinished ? <FormAlert message="Check the highlighted field before going on." /> : null}
                    {step === 'brand' ? <BrandStep {...props} brands={list.items} /> : null}
                    {step === 'dates' ? <DatesStep {...props} /> : null}
                    {step === 'platforms' ? <PlatformsStep {...props} platforms={rules} /> : null}
                    {step === 'topics' ? <TopicsStep {...props} /> : null}
                    {step === 'frequency' ? <FrequencyStep {...props} /> : null}
                    <div className="wizard__nav">
                      {index > 0 ? (
                        <button type="button" className="button button--secondary" onClick={back}>
                          Back
                        </button>
                      ) : null}
                      <button
                        type="submit"
                        className="button button--primary"
                        disabled={step === 'brand' && list.items.length === 0}
                      >
                        {step === 'frequency' ? 'Preview the plan' : 'Next'}
                      </button>
                    </div>
                  </Form>
                );
              }}
            </QueryView>
          )}
        </QueryView>
      </div>
    </section>
  );
}
