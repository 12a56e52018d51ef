import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { Brand, Media, PlatformRules, Post } from '@audenci/sdk-js';
import { client } from '../../api/client';
import { listAll } from '../../api/lists';
import { toProblem } from '../../api/problem';
import { sessionQuery } from '../../api/session-query';
import { Field, FieldFrame } from '../../components/field';
import { FormAlert } from '../../components/form';
import { placeProblem } from '../../components/form-problem';
import { SelectField } from '../../components/select-field';
import { TextAreaField } from '../../components/textarea-field';
import { CaptionSuggestions } from './composer-captions';
import { ComposerMedia } from './composer-media';
import {
  CaptionCounter,
  RuleList,
  RuleMeters,
  blockedReason,
  fieldProblem,
  useRulesCheck,
} from './composer-rules';
import { PostPreview } from './post-preview';
import { ComposerActions, postBody, useSavePost, type Action } from './composer-save';
import { zonedToInstant } from '../../components/zoned-time';
import { BrandSelect } from '../../components/brand-select';

/** Where the composer starts: empty, prefilled from the calendar, or a saved post's values. */
export interface ComposerStart {
  brandId: string;
  platform: Post['platform'];
  /** '' for "the brand's only account of the platform", chosen when it publishes. */
  socialAccountId: string;
  caption: string;
  firstComment: string;
  link: string;
  media: Media[];
  /** A `datetime-local` value in the brand's time zone, '' for none. */
  at: string;
  campaignId: string | null;
}

const FIELDS = [
  'brandId',
  'platform',
  'socialAccountId',
  'caption',
  'firstComment',
  'link',
  'mediaIds',
  'scheduledFor',
] as const;

function useAccounts(brandId: string, platform: Post['platform']) {
  return useQuery({
    queryKey: ['social-accounts', 'composer', brandId, platform],
    queryFn: () => listAll(client.socialAccounts.list({ brandId, platform, limit: 100 })),
  });
}

/**
 * The composer's form: brand, platform and account, the caption checked by the server as it is typed,
 * first comment and link, media, AI suggestions, the time in the brand's zone, the preview — and Save
 * draft, Schedule or Publish now, the last two only while every rule is met.
 */
export function Composer({
  start,
  post,
  brands,
  platforms,
}: {
  start: ComposerStart;
  /** The post being edited (DRAFT or SCHEDULED); absent for a new one. */
  post?: Post;
  brands: Brand[];
  platforms: PlatformRules[];
}) {
  const [values, setValues] = useState(start);
  const [media, setMedia] = useState<Media[]>(start.media);
  const [localError, setLocalError] = useState<{ field: string; message: string }>();
  const set = <K extends keyof ComposerStart>(key: K, value: ComposerStart[K]) =>
    setValues((v) => ({ ...v, [key]: value }));

  // A brand that is gone (or of the other environment, just after a switch) falls back to the first.
  const brand = brands.find((b) => b.id === values.brandId) ?? brands[0]!;
  const rules = platforms.find((p) => p.platform === values.platform);
  const accounts = useAccounts(brand.id, values.platform);
  const testMode = useQuery(sessionQuery).data?.environment === 'test';
  const account = accounts.data?.items.find((a) => a.id === values.socialAccountId);

  const check = useRulesCheck({
    platform: values.platform,
    caption: values.caption,
    mediaIds: media.map((m) => m.id),
    ...(values.link.trim() ? { link: values.link.trim() } : {}),
    ...(values.firstComment.trim() ? { firstComment: values.firstComment } : {}),
  });
  const blocked = blockedReason(check);

  const save = useSavePost(post);

  const run = (action: Action) => {
    setLocalError(undefined);
    save.reset();
    if (action === 'schedule') {
      if (!values.at) {
        setLocalError({ field: 'scheduledFor', message: 'Pick the date and time to publish at.' });
        return;
      }
      if (!zonedToInstant(values.at, brand.timezone)) {
        setLocalError({ field: 'scheduledFor', message: 'Enter a date and time like 2026-12-24 09:30.' });
        return;
      }
    }
    save.mutate({ action, body: postBody(action, values, media, brand, post) });
  };

  const placed = placeProblem(save.error ? toProblem(save.error) : undefined, FIELDS);
  const error = (field: (typeof FIELDS)[number]) =>
    (localError?.field === field ? localError.message : undefined) ??
    placed.field[field] ??
    fieldProblem(check, field);

  const accountOptions = accounts.data?.items ?? [];
  return (
    <div className="composer">
      <form
        className="form composer__form"
        aria-label={post ? 'Edit post' : 'New post'}
        noValidate
        onSubmit={(event) => event.preventDefault()}
      >
        <FormAlert message={placed.form} />
        <div className="composer__row">
          <BrandSelect
            brands={brands}
            value={brand.id}
            error={error('brandId')}
            onChange={(event) =>
              setValues((v) => ({ ...v, brandId: event.target.value, socialAccountId: '' }))
            }
          />
          <SelectField
            label="Platform"
            value={values.platform}
            error={error('platform')}
            onChange={(event) =>
              setValues((v) => ({
                ...v,
                platform: event.target.value as Post['platform'],
                socialAccountId: '',
              }))
            }
          >
            {platforms.map((p) => (
              <option key={p.platform} value={p.platform}>
                {p.displayName}
              </option>
            ))}
          </SelectField>
          <SelectField
            label="Social account"
            value={values.socialAccountId}
            error={error('socialAccountId')}
            hint={
              accounts.isError
                ? toProblem(accounts.error).message
                : accounts.isPending
                  ? 'Loading accounts…'
                  : accountOptions.length === 0
                    ? `No ${rules?.displayName ?? values.platform} account for ${brand.name}: ${
                        testMode
                          ? 'test posts publish through the sandbox.'
                          : 'connect one under Social accounts before it publishes.'
                      }`
                    : undefined
            }
            onChange={(event) => set('socialAccountId', event.target.value)}
          >
            <option value="">{accountOptions.length === 1 ? 'The brand’s account' : 'Automatic'}</option>
            {accountOptions.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
                {a.username ? ` (@${a.username})` : ''}
                {a.status !== 'connected' ? ` — ${a.status}` : ''}
              </option>
            ))}
          </SelectField>
        </div>

        <FieldFrame
          label="Caption"
          hint={<CaptionCounter check={check} limit={rules?.text.maxLength} />}
          error={error('caption')}
        >
          {(control) => (
            <textarea
              {...control}
              aria-describedby={[control['aria-describedby'], 'composer-rules'].filter(Boolean).join(' ')}
              className="field__input field__textarea composer__caption"
              rows={6}
              value={values.caption}
              onChange={(event) => set('caption', event.target.value)}
            />
          )}
        </FieldFrame>
        <RuleMeters check={check} />

        <details className="composer__details">
          <summary>Suggest a caption with AI</summary>
          <CaptionSuggestions
            brandId={brand.id}
            platform={values.platform}
            onPick={(caption) => set('caption', caption)}
          />
        </details>

        <TextAreaField
          label="First comment"
          hint={
            rules && !rules.firstComment.supported
              ? `${rules.displayName} takes no first comment from Audenci.`
              : 'Posted under the post once it is published (often the hashtags).'
          }
          rows={2}
          value={values.firstComment}
          error={error('firstComment')}
          onChange={(event) => set('firstComment', event.target.value)}
        />
        <Field
          label="Link"
          type="url"
          inputMode="url"
          placeholder="https://"
          hint={
            rules?.link.inText
              ? 'Added to the end of the text, and counted in its length.'
              : 'Shown as a link preview.'
          }
          value={values.link}
          error={error('link')}
          onChange={(event) => set('link', event.target.value)}
        />

        <ComposerMedia brandId={brand.id} platform={values.platform} media={media} onChange={setMedia} />
        {error('mediaIds') ? <p className="field__error">{error('mediaIds')}</p> : null}

        <Field
          label={`Publish at (${brand.timezone})`}
          type="datetime-local"
          hint={`In ${brand.name}’s time zone. Needed to schedule; Publish now ignores it.`}
          value={values.at}
          error={error('scheduledFor')}
          onChange={(event) => set('at', event.target.value)}
        />

        <ComposerActions
          blocked={blocked}
          pending={save.isPending ? save.variables.action : undefined}
          post={post}
          onAction={run}
        />
      </form>

      <aside className="composer__side" aria-label="Rules and preview">
        <section aria-labelledby="composer-rules-title" className="panel composer__panel">
          <h2 id="composer-rules-title" className="composer__section-title">
            {rules?.displayName ?? values.platform} rules
          </h2>
          <RuleList check={check} id="composer-rules" />
        </section>
        <section aria-labelledby="composer-preview-title" className="panel composer__panel">
          <h2 id="composer-preview-title" className="composer__section-title">
            Preview
          </h2>
          <PostPreview
            platform={values.platform}
            name={account?.name ?? brand.name}
            handle={account?.username}
            caption={values.caption}
            media={media}
            link={values.link.trim() || undefined}
            firstComment={values.firstComment}
          />
        </section>
      </aside>
    </div>
  );
}
