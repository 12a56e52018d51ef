import { useId, useState } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import type { Brand, Campaign } from '@audenci/sdk-js';
import { client } from '../../api/client';
import { toProblem } from '../../api/problem';
import { Field } from '../../components/field';
import { FormDialog } from '../../components/form-dialog';
import { placeProblem } from '../../components/form-problem';
import { TextAreaField } from '../../components/textarea-field';
import { dayOf } from './campaign-shared';
import { platformsQuery } from '../../api/platforms';
import { BrandSelect } from '../../components/brand-select';

const FIELDS = ['brandId', 'name', 'description', 'goal', 'startDate', 'endDate', 'platforms'] as const;
type FieldName = (typeof FIELDS)[number];

interface Draft {
  brandId: string;
  name: string;
  description: string;
  goal: string;
  startDate: string;
  endDate: string;
  platforms: Campaign['platforms'];
}

function draftOf(campaign: Campaign | undefined, brandId: string | undefined): Draft {
  if (campaign) {
    return {
      brandId: campaign.brandId,
      name: campaign.name,
      description: campaign.description ?? '',
      goal: campaign.goal ?? '',
      startDate: dayOf(campaign.startDate),
      endDate: dayOf(campaign.endDate),
      platforms: [...campaign.platforms],
    };
  }
  return {
    brandId: brandId ?? '',
    name: '',
    description: '',
    goal: '',
    startDate: '',
    endDate: '',
    platforms: [],
  };
}

/** What the form refuses before asking: no brand, no name, missing dates, an end not after the start. */
function localProblems(draft: Draft): Partial<Record<FieldName, string>> {
  const problems: Partial<Record<FieldName, string>> = {};
  if (!draft.brandId) problems.brandId = 'Choose the brand the campaign is for.';
  if (!draft.name.trim()) problems.name = 'Give the campaign a name.';
  if (!draft.startDate) problems.startDate = 'Choose the first day.';
  if (!draft.endDate) problems.endDate = 'Choose the last day.';
  else if (draft.startDate && draft.endDate <= draft.startDate)
    problems.endDate = 'The end must be after the start.';
  return problems;
}

/**
 * Create or edit a campaign (`POST /campaigns`, `PATCH /campaigns/{id}`): brand, name, dates, goal,
 * description and platforms. The status is not here: a campaign is activated from its page.
 */
export function CampaignFormDialog({
  campaign,
  brands,
  defaultBrandId,
  onClose,
  onSaved,
}: {
  campaign?: Campaign;
  brands: Brand[];
  defaultBrandId?: string;
  onClose: () => void;
  onSaved: (campaign: Campaign) => void;
}) {
  const platforms = useQuery(platformsQuery);
  const groupId = useId();
  const [draft, setDraft] = useState(() => draftOf(campaign, defaultBrandId ?? brands[0]?.id));
  const [local, setLocal] = useState<Partial<Record<FieldName, string>>>({});
  const save = useMutation({
    mutationFn: (input: Draft) => {
      const body = {
        brandId: input.brandId,
        name: input.name.trim(),
        description: input.description.trim() || null,
        goal: input.goal.trim() || null,
        startDate: input.startDate,
        endDate: input.endDate,
        platforms: input.platforms,
      };
      return campaign ? client.campaigns.update(campaign.id, body) : client.campaigns.create(body);
    },
    onSuccess: onSaved,
  });
  const problem = save.error ? toProblem(save.error) : undefined;
  // `platforms[1]` names the platforms as a whole.
  const named = problem?.field?.replace(/^platforms.*$/, 'platforms');
  const server = placeProblem(problem ? { ...problem, field: named } : undefined, FIELDS);
  const errors = { ...server.field, ...local };

  const set = (name: Exclude<FieldName, 'platforms'>) => (value: string) =>
    setDraft((d) => ({ ...d, [name]: value }));
  const toggle = (platform: Campaign['platforms'][number], on: boolean) =>
    setDraft((d) => ({
      ...d,
      platforms: on ? [...d.platforms, platform] : d.platforms.filter((p) => p !== platform),
    }));
  const submit = () => {
    const problems = localProblems(draft);
    setLocal(problems);
    if (Object.keys(problems).length === 0) save.mutate(draft);
  };

  return (
    <FormDialog
      title={campaign ? `Edit ${campaign.name}` : 'New campaign'}
      intro={
        campaign
          ? undefined
          : 'A campaign groups a brand’s posts over a period. It starts as a draft; activate it when it is ready.'
      }
      onClose={onClose}
      onSubmit={submit}
      error={server.form}
      submitLabel={campaign ? 'Save changes' : 'Create campaign'}
      pendingLabel="Saving…"
      pending={save.isPending}
      requestId={problem?.requestId}
    >
      <BrandSelect
        brands={brands}
        none={draft.brandId ? undefined : 'Choose a brand'}
        name="brandId"
        value={draft.brandId}
        onChange={(e) => set('brandId')(e.target.value)}
        error={errors.brandId}
      />
      <Field
        label="Name"
        name="name"
        maxLength={200}
        value={draft.name}
        onChange={(e) => set('name')(e.target.value)}
        error={errors.name}
      />
      <div className="campaign-form__dates">
        <Field
          label="Start date"
          name="startDate"
          type="date"
          value={draft.startDate}
          onChange={(e) => set('startDate')(e.target.value)}
          error={errors.startDate}
        />
        <Field
          label="End date"
          name="endDate"
          type="date"
          value={draft.endDate}
          onChange={(e) => set('endDate')(e.target.value)}
          error={errors.endDate}
        />
      </div>
      <Field
        label="Goal"
        name="goal"
        maxLength={1000}
        placeholder="Awareness"
        hint="Optional: what the campaign is for, e.g. awareness, sign-ups, sales."
        value={draft.goal}
        onChange={(e) => set('goal')(e.target.value)}
        error={errors.goal}
      />
      <TextAreaField
        label="Description"
        name="description"
        rows={3}
        maxLength={5000}
        value={draft.description}
        onChange={(e) => set('description')(e.target.value)}
        error={errors.description}
      />
      <fieldset
        className={`field fieldset${errors.platforms ? ' field--invalid' : ''}`}
        aria-describedby={errors.platforms ? `${groupId}-error` : undefined}
      >
        <legend className="field__label">Platforms</legend>
        <div className="checks">
          {(platforms.data ?? []).map((p) => (
            <label className="check" key={p.platform}>
              <input
                type="checkbox"
                name="platforms"
                value={p.platform}
                checked={draft.platforms.includes(p.platform)}
                onChange={(e) => toggle(p.platform, e.target.checked)}
              />
              {p.displayName}
            </label>
          ))}
          {platforms.isPending ? <span className="muted">Loading platforms…</span> : null}
          {platforms.isError ? <span className="muted">{toProblem(platforms.error).message}</span> : null}
        </div>
        {errors.platforms ? (
          <p className="field__error" id={`${groupId}-error`}>
            {errors.platforms}
          </p>
        ) : null}
      </fieldset>
    </FormDialog>
  );
}
