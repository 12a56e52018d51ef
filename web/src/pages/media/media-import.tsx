import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import type { Brand, Media } from '@audenci/sdk-js';
import { client } from '../../api/client';
import { toProblem } from '../../api/problem';
import { Field } from '../../components/field';
import { FormDialog } from '../../components/form-dialog';
import { placeProblem } from '../../components/form-problem';
import { BrandSelect } from '../../components/brand-select';

const FIELDS = ['url', 'brandId'] as const;

/** What the form refuses before asking the server: a blank URL, or one that is not http(s). */
function localProblem(url: string): string | undefined {
  const text = url.trim();
  if (!text) return 'Paste the address of an image or a video.';
  try {
    const parsed = new URL(text);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'Use an http or https address.';
  } catch {
    return 'This is not a web address (it starts with https://).';
  }
  return undefined;
}

/**
 * Import from URL (`POST /media {url, brandId?}`): the server downloads the file, reads its type from the
 * bytes and keeps it like an upload. Its refusals (too large, not an image or video, a private address)
 * are shown next to the URL.
 */
export function ImportDialog({
  brands,
  defaultBrandId,
  onClose,
  onImported,
}: {
  brands: Brand[];
  defaultBrandId?: string;
  onClose: () => void;
  onImported: (media: Media) => void;
}) {
  const [url, setUrl] = useState('');
  const [brandId, setBrandId] = useState(defaultBrandId ?? '');
  const [local, setLocal] = useState<string>();
  const importing = useMutation({
    mutationFn: () => client.media.import({ url: url.trim(), brandId: brandId || null }),
    onSuccess: onImported,
  });
  const problem = importing.error ? toProblem(importing.error) : undefined;
  const placed = placeProblem(problem, FIELDS);
  const submit = () => {
    const wrong = localProblem(url);
    setLocal(wrong);
    if (!wrong) importing.mutate();
  };

  return (
    <FormDialog
      title="Import from URL"
      intro="The server downloads the file from its address and adds it to the library, like an upload."
      onClose={onClose}
      onSubmit={submit}
      error={placed.form}
      submitLabel="Import"
      pendingLabel="Importing…"
      pending={importing.isPending}
      requestId={problem?.requestId}
    >
      <Field
        label="File address (URL)"
        name="url"
        type="url"
        inputMode="url"
        spellCheck={false}
        placeholder="https://example.com/images/launch.png"
        maxLength={2048}
        value={url}
        onChange={(e) => setUrl(e.target.value)}
        error={local ?? placed.field.url}
      />
      <BrandSelect
        brands={brands}
        none="No brand"
        name="brandId"
        value={brandId}
        onChange={(e) => setBrandId(e.target.value)}
        error={placed.field.brandId}
        hint="Optional: the brand the item belongs to."
      />
    </FormDialog>
  );
}
