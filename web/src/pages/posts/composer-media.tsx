import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Media, Post } from '@audenci/sdk-js';
import { client } from '../../api/client';
import { toProblem } from '../../api/problem';
import { Dialog } from '../../components/dialog';
import { Field } from '../../components/field';
import { MediaUpload } from '../../components/media-upload';
import { Empty, QueryView } from '../../components/states';

/** The aspect ratio a generated image takes on each network (what its feed shows best). */
const IMAGE_RATIO: Record<Post['platform'], '1:1' | '4:5' | '16:9' | '1.91:1'> = {
  instagram: '4:5',
  facebook: '1.91:1',
  twitter: '16:9',
  linkedin: '1.91:1',
};

function label(item: Media): string {
  return item.filename ?? `${item.type} ${item.id.slice(-6)}`;
}

function Thumb({ item }: { item: Media }) {
  return item.type === 'video' ? (
    <span className="composer__thumb composer__thumb--video" aria-hidden="true">
      ▶
    </span>
  ) : (
    <img className="composer__thumb" src={item.thumbnailUrl ?? item.url} alt="" />
  );
}

/** The library (`GET /media`, newest first) with a check box per item; Attach adds the checked ones. */
function LibraryDialog({
  brandId,
  attached,
  onAttach,
  onClose,
}: {
  brandId: string;
  attached: string[];
  onAttach: (items: Media[]) => void;
  onClose: () => void;
}) {
  const library = useQuery({
    queryKey: ['media', 'composer', brandId],
    queryFn: async () => (await client.media.list({ limit: 100, sortOrder: 'desc' }).firstPage()).data,
  });
  const [checked, setChecked] = useState<string[]>([]);
  const toggle = (id: string) =>
    setChecked((all) => (all.includes(id) ? all.filter((x) => x !== id) : [...all, id]));
  return (
    <Dialog
      open
      title="Choose from the library"
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button button--secondary" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="button button--primary"
            disabled={checked.length === 0}
            onClick={() => {
              onAttach((library.data ?? []).filter((item) => checked.includes(item.id)));
              onClose();
            }}
          >
            Attach {checked.length || ''}
          </button>
        </>
      }
    >
      <QueryView query={library} loading="Loading the library…">
        {(items) => {
          // This brand's items and the organization's shared ones.
          const usable = items.filter((item) => item.brandId === null || item.brandId === brandId);
          return usable.length === 0 ? (
            <Empty title="The library is empty">Upload a file or generate an image instead.</Empty>
          ) : (
            <ul className="composer__library" aria-label="Media items">
              {usable.map((item) => (
                <li key={item.id}>
                  <label className="composer__library-item">
                    <input
                      type="checkbox"
                      checked={checked.includes(item.id) || attached.includes(item.id)}
                      disabled={attached.includes(item.id)}
                      onChange={() => toggle(item.id)}
                    />
                    <Thumb item={item} />
                    <span>
                      {label(item)}
                      {attached.includes(item.id) ? <span className="muted"> (attached)</span> : null}
                    </span>
                  </label>
                </li>
              ))}
            </ul>
          );
        }}
      </QueryView>
    </Dialog>
  );
}

/** An image generated from a prompt (`POST /images/generate`): it joins the library and the post. */
function GenerateImage({
  brandId,
  platform,
  onGenerated,
}: {
  brandId: string;
  platform: Post['platform'];
  onGenerated: (items: Media[]) => void;
}) {
  const queryClient = useQueryClient();
  const [prompt, setPrompt] = useState('');
  const [note, setNote] = useState('');
  const generate = useMutation({
    mutationFn: () =>
      client.images.generate({ prompt: prompt.trim(), brandId, aspectRatio: IMAGE_RATIO[platform], n: 1 }),
    onSuccess: (result) => {
      void queryClient.invalidateQueries({ queryKey: ['media'] });
      if (Array.isArray(result)) {
        onGenerated(result);
        setNote(`Image generated and attached${result[0]?.filename ? `: ${result[0].filename}` : ''}.`);
      } else {
        setNote('The image is being generated; it will appear in the library when the job ends.');
      }
    },
  });
  const problem = generate.error ? toProblem(generate.error) : undefined;
  return (
    <div className="composer__generate">
      <Field
        label="Generate an image"
        hint="Describe the picture; it is added to the library and attached."
        value={prompt}
        onChange={(event) => setPrompt(event.target.value)}
        error={problem?.field === 'prompt' ? (problem.reason ?? problem.message) : undefined}
        onKeyDown={(event) => {
          if (event.key === 'Enter') {
            event.preventDefault();
            if (prompt.trim()) generate.mutate();
          }
        }}
      />
      <button
        type="button"
        className="button button--secondary"
        disabled={!prompt.trim() || generate.isPending}
        onClick={() => generate.mutate()}
      >
        {generate.isPending ? 'Generating…' : 'Generate image'}
      </button>
      <p role="status" className="form__status">
        {problem && problem.field !== 'prompt' ? problem.message : note}
      </p>
    </div>
  );
}

/** The post's media: what is attached, and three ways to add more (library, upload, AI image). */
export function ComposerMedia({
  brandId,
  platform,
  media,
  onChange,
}: {
  brandId: string;
  platform: Post['platform'];
  media: Media[];
  /** Changes the attached list (an updater: several uploads may end at once). */
  onChange: (update: (media: Media[]) => Media[]) => void;
}) {
  const [choosing, setChoosing] = useState(false);
  const queryClient = useQueryClient();
  const add = (items: Media[]) =>
    onChange((current) => {
      const ids = new Set(current.map((item) => item.id));
      return [...current, ...items.filter((item) => !ids.has(item.id))];
    });
  return (
    <fieldset className="fieldset composer__media">
      <legend>Media</legend>
      {media.length > 0 ? (
        <ul className="composer__attached" aria-label="Attached media">
          {media.map((item) => (
            <li key={item.id} className="composer__attached-item">
              <Thumb item={item} />
              <span className="composer__attached-name">{label(item)}</span>
              <button
                type="button"
                className="button button--ghost button--small"
                aria-label={`Remove ${label(item)}`}
                onClick={() => onChange((current) => current.filter((other) => other.id !== item.id))}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">No media attached.</p>
      )}
      <div className="composer__media-actions">
        <button type="button" className="button button--secondary" onClick={() => setChoosing(true)}>
          Choose from library
        </button>
      </div>
      <MediaUpload
        brandId={brandId}
        label="Upload files"
        onUploaded={(item) => {
          void queryClient.invalidateQueries({ queryKey: ['media'] });
          add([item]);
        }}
      />
      <GenerateImage brandId={brandId} platform={platform} onGenerated={add} />
      {choosing ? (
        <LibraryDialog
          brandId={brandId}
          attached={media.map((item) => item.id)}
          onAttach={add}
          onClose={() => setChoosing(false)}
        />
      ) : null}
    </fieldset>
  );
}
