import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Brand } from '@audenci/sdk-js';
import { client } from '../api/client';
import { toProblem } from '../api/problem';
import { ConfirmButton } from '../components/confirm-button';
import { Dialog } from '../components/dialog';
import { Field } from '../components/field';
import { DataTable } from '../components/paged-table';
import { placeProblem } from '../components/form-problem';
import { formatDateTime } from '../components/format';
import { Empty, QueryView } from '../components/states';
import { TextAreaField } from '../components/textarea-field';
import { TimeZoneField, browserTimeZone, timeZones } from '../components/time-zone-field';
import { brandsQuery } from '../api/brands';

const FIELDS = ['name', 'timezone', 'voice', 'colors'] as const;
type FieldName = (typeof FIELDS)[number];
const HEX = /^#[0-9a-fA-F]{6}$/;

interface Draft {
  name: string;
  timezone: string;
  voice: string;
  colors: string;
}

function draftOf(brand: Brand | undefined): Draft {
  return brand
    ? {
        name: brand.name,
        timezone: brand.timezone,
        voice: brand.voice ?? '',
        colors: brand.colors.join(', '),
      }
    : { name: '', timezone: browserTimeZone(), voice: '', colors: '' };
}

function parseColors(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((c) => c.trim())
    .filter(Boolean)
    .map((c) => (c.startsWith('#') ? c : `#${c}`));
}

/** What the form itself refuses before asking the server: an unknown zone, a colour that is not #rrggbb. */
function localProblems(draft: Draft): Partial<Record<FieldName, string>> {
  const problems: Partial<Record<FieldName, string>> = {};
  if (!draft.name.trim()) problems.name = 'Give the brand a name.';
  if (!timeZones().includes(draft.timezone)) problems.timezone = 'Pick a time zone from the list.';
  const colors = parseColors(draft.colors);
  const wrong = colors.find((c) => !HEX.test(c));
  if (wrong) problems.colors = `“${wrong}” is not a colour like #1A73E8.`;
  else if (colors.length > 10) problems.colors = 'At most 10 colours.';
  return problems;
}

/** The create and edit form, in a dialog. */
function BrandForm({ brand, onDone }: { brand?: Brand; onDone: (saved: Brand) => void }) {
  const [draft, setDraft] = useState(() => draftOf(brand));
  const [local, setLocal] = useState<Partial<Record<FieldName, string>>>({});
  const save = useMutation({
    mutationFn: (input: Draft) => {
      const body = {
        name: input.name.trim(),
        timezone: input.timezone,
        voice: input.voice.trim() ? input.voice.trim() : null,
        colors: parseColors(input.colors),
      };
      return brand ? client.brands.update(brand.id, body) : client.brands.create(body);
    },
    onSuccess: onDone,
  });
  const problem = save.error ? toProblem(save.error) : undefined;
  // `colors[2]` names the colours field as a whole.
  const named = problem?.field?.replace(/^colors.*$/, 'colors');
  const server = placeProblem(problem ? { ...problem, field: named } : undefined, FIELDS);
  const errors = { ...server.field, ...local };

  const set = (name: FieldName) => (value: string) => setDraft((d) => ({ ...d, [name]: value }));
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const problems = localProblems(draft);
    setLocal(problems);
    if (Object.keys(problems).length === 0) save.mutate(draft);
  };
  const swatches = parseColors(draft.colors).filter((c) => HEX.test(c));

  return (
    <form className="form" onSubmit={submit} noValidate>
      {server.form ? (
        <div className="alert alert--error" role="alert">
          {server.form}
        </div>
      ) : null}
      <Field
        label="Name"
        name="name"
        required
        autoFocus
        maxLength={200}
        value={draft.name}
        onChange={(e) => set('name')(e.target.value)}
        error={errors.name}
      />
      <TimeZoneField value={draft.timezone} onChange={set('timezone')} error={errors.timezone} />
      <TextAreaField
        label="Voice"
        name="voice"
        rows={3}
        maxLength={2000}
        hint="How the brand speaks. It guides AI-written captions."
        placeholder="Warm, playful, no jargon"
        value={draft.voice}
        onChange={(e) => set('voice')(e.target.value)}
        error={errors.voice}
      />
      <Field
        label="Colours"
        name="colors"
        hint="Hex colours, main first, separated by commas (at most 10)."
        placeholder="#6F4E37, #F5E6CC"
        spellCheck={false}
        value={draft.colors}
        onChange={(e) => set('colors')(e.target.value)}
        error={errors.colors}
      />
      {swatches.length ? (
        <div className="swatches" aria-hidden="true">
          {swatches.map((c, i) => (
            <span key={`${c}-${i}`} className="swatch" style={{ background: c }} />
          ))}
        </div>
      ) : null}
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : brand ? 'Save changes' : 'Create brand'}
        </button>
      </div>
    </form>
  );
}

/** Brands: list, create, edit and delete (a brand with posts or campaigns cannot be deleted: 409). */
export function BrandsPage() {
  const queryClient = useQueryClient();
  const brands = useQuery(brandsQuery);
  const [editing, setEditing] = useState<Brand | 'new' | null>(null);
  const [notice, setNotice] = useState<string>();

  const refresh = () => queryClient.invalidateQueries({ queryKey: ['brands'] });
  const saved = (brand: Brand) => {
    setNotice(editing === 'new' ? `Brand “${brand.name}” created.` : `Brand “${brand.name}” saved.`);
    setEditing(null);
    void refresh();
  };
  const remove = async (brand: Brand) => {
    await client.brands.delete(brand.id);
    setNotice(`Brand “${brand.name}” deleted.`);
    await refresh();
  };

  return (
    <section className="page" aria-labelledby="brands-title">
      <header className="page__header page__header--actions">
        <div>
          <h1 id="brands-title">Brands</h1>
          <p className="page__lead">
            A brand owns its social accounts, posts and campaigns, and publishes in its own time zone.
          </p>
        </div>
        <button type="button" className="button button--primary" onClick={() => setEditing('new')}>
          New brand
        </button>
      </header>
      <div role="status" aria-live="polite" className="notice-slot">
        {notice ? <p className="alert alert--success">{notice}</p> : null}
      </div>
      <QueryView query={brands} loading="Loading brands…">
        {({ items, more }) =>
          items.length === 0 ? (
            <div className="card">
              <Empty title="No brands yet">
                Create your first brand to connect its social accounts and schedule its posts.
              </Empty>
            </div>
          ) : (
            <div className="card">
              <DataTable
                caption="Brands, by name"
                columns={
                  <>
                    <th scope="col">Name</th>
                    <th scope="col">Time zone</th>
                    <th scope="col">Voice</th>
                    <th scope="col">Updated</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </>
                }
              >
                {items.map((brand) => (
                  <tr key={brand.id}>
                    <td data-label="Name" className="table__primary">
                      <span className="brand-name">
                        <span
                          className="swatch swatch--small"
                          aria-hidden="true"
                          style={{ background: brand.colors[0] ?? 'var(--border-strong)' }}
                        />
                        {brand.name}
                      </span>
                    </td>
                    <td data-label="Time zone">{brand.timezone}</td>
                    <td data-label="Voice" className="table__muted table__clip">
                      {brand.voice ?? '—'}
                    </td>
                    <td data-label="Updated" className="table__muted">
                      {formatDateTime(brand.updatedAt)}
                    </td>
                    <td className="table__actions">
                      <button
                        type="button"
                        className="button button--secondary button--small"
                        aria-label={`Edit ${brand.name}`}
                        onClick={() => setEditing(brand)}
                      >
                        Edit
                      </button>
                      <ConfirmButton
                        label="Delete"
                        accessibleLabel={`Delete ${brand.name}`}
                        title={`Delete ${brand.name}?`}
                        confirmLabel="Delete brand"
                        onConfirm={() => remove(brand)}
                      >
                        The brand and its settings are deleted. A brand that still has posts or campaigns
                        cannot be deleted: delete or move them first.
                      </ConfirmButton>
                    </td>
                  </tr>
                ))}
              </DataTable>
              {more ? <p className="table__note">Showing the first 1,000 brands.</p> : null}
            </div>
          )
        }
      </QueryView>
      <Dialog
        open={editing !== null}
        title={editing === 'new' ? 'New brand' : `Edit ${editing?.name ?? 'brand'}`}
        onClose={() => setEditing(null)}
      >
        {editing !== null ? (
          <BrandForm
            key={editing === 'new' ? 'new' : editing.id}
            brand={editing === 'new' ? undefined : editing}
            onDone={saved}
          />
        ) : null}
      </Dialog>
    </section>
  );
}
