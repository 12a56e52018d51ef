import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import type { CaptionGenerateParams, Post } from '@audenci/sdk-js';
import { client } from '../../api/client';
import { toProblem } from '../../api/problem';
import { Field } from '../../components/field';
import { SelectField } from '../../components/select-field';
import { RichText } from './post-preview';

type Tone = NonNullable<CaptionGenerateParams['tone']>;
const TONES: Tone[] = ['friendly', 'professional', 'playful', 'bold', 'inspirational', 'informative'];

/**
 * Caption suggestions (`POST /captions/generate`): a topic and a tone give three drafts that already meet
 * the platform's rules; "Use this caption" puts one in the caption field.
 */
export function CaptionSuggestions({
  brandId,
  platform,
  onPick,
}: {
  brandId: string;
  platform: Post['platform'];
  onPick: (caption: string) => void;
}) {
  const [topic, setTopic] = useState('');
  const [tone, setTone] = useState<Tone | ''>('');
  const [picked, setPicked] = useState<number>();
  const suggest = useMutation({
    mutationFn: () =>
      client.captions.generate({ topic: topic.trim(), platform, brandId, n: 3, ...(tone ? { tone } : {}) }),
    onSuccess: () => setPicked(undefined),
  });
  const problem = suggest.error ? toProblem(suggest.error) : undefined;
  return (
    <section className="composer__ai" aria-labelledby="composer-ai-title">
      <h2 id="composer-ai-title" className="composer__section-title">
        Suggest a caption
      </h2>
      <div className="composer__ai-fields">
        <Field
          label="Topic"
          hint="What the post is about, e.g. “our new winter roast”."
          value={topic}
          onChange={(event) => setTopic(event.target.value)}
          error={problem?.field === 'topic' ? (problem.reason ?? problem.message) : undefined}
          onKeyDown={(event) => {
            if (event.key === 'Enter') {
              event.preventDefault();
              if (topic.trim()) suggest.mutate();
            }
          }}
        />
        <SelectField label="Tone" value={tone} onChange={(event) => setTone(event.target.value as Tone | '')}>
          <option value="">The brand’s voice</option>
          {TONES.map((t) => (
            <option key={t} value={t}>
              {t.charAt(0).toUpperCase() + t.slice(1)}
            </option>
          ))}
        </SelectField>
      </div>
      <button
        type="button"
        className="button button--secondary"
        disabled={!topic.trim() || suggest.isPending}
        onClick={() => suggest.mutate()}
      >
        {suggest.isPending ? 'Writing…' : 'Suggest captions'}
      </button>
      <p role="status" className="form__status">
        {problem && problem.field !== 'topic'
          ? problem.message
          : picked !== undefined
            ? `Caption ${picked + 1} is in the caption field.`
            : suggest.data
              ? `${suggest.data.length} suggestion${suggest.data.length === 1 ? '' : 's'}.`
              : ''}
      </p>
      {suggest.data && suggest.data.length > 0 ? (
        <ol className="composer__suggestions" aria-label="Caption suggestions">
          {suggest.data.map((draft, index) => (
            <li key={index} className={picked === index ? 'composer__suggestion--picked' : undefined}>
              <p className="composer__suggestion-text">
                <RichText text={draft.caption} />
              </p>
              <button
                type="button"
                className="button button--secondary button--small"
                aria-pressed={picked === index}
                onClick={() => {
                  setPicked(index);
                  onPick(draft.caption);
                }}
              >
                Use caption {index + 1}
              </button>
            </li>
          ))}
        </ol>
      ) : null}
    </section>
  );
}
