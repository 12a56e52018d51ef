import { APIError, SDK_VERSION, type Media } from '@audenci/sdk-js';
import { useId, useRef, useState, type DragEvent } from 'react';
import { currentCsrfToken } from '../api/auth';
import { toProblem } from '../api/problem';
import './media-upload.css';

/** One file on its way to `POST /api/v1/media`: how far it got, and how it ended. */
interface UploadItem {
  key: string;
  name: string;
  /** Share of the bytes sent, 0–100. */
  percent: number;
  state: 'uploading' | 'done' | 'failed';
  /** The API's own message when the upload was refused. */
  error?: string;
}

function randomKey(): string {
  return typeof crypto.randomUUID === 'function'
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

function headersOf(xhr: XMLHttpRequest): Headers {
  const headers = new Headers();
  for (const line of xhr
    .getAllResponseHeaders()
    .trim()
    .split(/[\r\n]+/)) {
    const at = line.indexOf(':');
    if (at > 0) headers.append(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  return headers;
}

function parse(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Uploads one file as the SDK's `client.media.upload` would — same multipart body (`brandId`, then `file`),
 * same headers (`X-Audenci-Client`, `X-CSRF-Token`, a fresh `Idempotency-Key`), the session cookie, and so
 * the session's organization and environment (live or test) — but through `XMLHttpRequest`, the one
 * browser API that reports upload progress. Rejects with the SDK's `APIError` for a non-2xx answer.
 */
export function uploadMedia(
  file: File,
  options: { brandId?: string; onProgress?: (percent: number) => void; signal?: AbortSignal } = {},
): Promise<Media> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${window.location.origin}/api/v1/media`);
    xhr.withCredentials = true;
    xhr.setRequestHeader('accept', 'application/json');
    xhr.setRequestHeader('x-audenci-client', `audenci-sdk-js/${SDK_VERSION}`);
    xhr.setRequestHeader('idempotency-key', randomKey());
    const csrf = currentCsrfToken();
    if (csrf) xhr.setRequestHeader('x-csrf-token', csrf);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) options.onProgress?.(Math.round((event.loaded / event.total) * 100));
    };
    xhr.onload = () => {
      const body = parse(xhr.responseText);
      if (xhr.status >= 200 && xhr.status < 300) {
        options.onProgress?.(100);
        resolve((body as { data: Media }).data);
      } else reject(APIError.from(xhr.status, body, headersOf(xhr)));
    };
    xhr.onerror = () => reject(new TypeError('network error'));
    xhr.onabort = () => reject(new DOMException('The upload was cancelled', 'AbortError'));
    options.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    const form = new FormData();
    if (options.brandId) form.append('brandId', options.brandId);
    form.append('file', file, file.name);
    xhr.send(form);
  });
}

export interface MediaUploadProps {
  /** The brand the uploaded items belong to (optional: the organization's library otherwise). */
  brandId?: string;
  /** Called once per file the server accepted, with the new media item. */
  onUploaded?: (media: Media) => void;
  /** Accepted types for the file picker (default: images and videos). */
  accept?: string;
  /** Allow several files at once (default true). */
  multiple?: boolean;
  /** The drop zone's visible label. */
  label?: string;
}

/**
 * A drop zone and file picker that uploads to `POST /api/v1/media`, one progress bar per file and the API's
 * message when a file is refused. The zone is a button (Enter or Space opens the picker); progress and
 * results are announced in a polite live region.
 */
export function MediaUpload({
  brandId,
  onUploaded,
  accept = 'image/*,video/*',
  multiple = true,
  label = 'Upload media',
}: MediaUploadProps) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [items, setItems] = useState<UploadItem[]>([]);
  const [over, setOver] = useState(false);
  const [announcement, setAnnouncement] = useState('');

  const update = (key: string, change: Partial<UploadItem>) =>
    setItems((all) => all.map((item) => (item.key === key ? { ...item, ...change } : item)));

  const start = (files: File[]) => {
    if (files.length === 0) return;
    const added = files.map((file) => ({
      key: randomKey(),
      name: file.name,
      percent: 0,
      state: 'uploading' as const,
    }));
    setItems((all) => [...all.filter((item) => item.state === 'uploading'), ...added]);
    setAnnouncement(`Uploading ${files.length === 1 ? files[0]!.name : `${files.length} files`}`);
    files.forEach((file, index) => {
      const key = added[index]!.key;
      uploadMedia(file, { brandId, onProgress: (percent) => update(key, { percent }) }).then(
        (media) => {
          update(key, { state: 'done', percent: 100 });
          setAnnouncement(`${file.name} uploaded`);
          onUploaded?.(media);
        },
        (error: unknown) => {
          const message = toProblem(error).message;
          update(key, { state: 'failed', error: message });
          setAnnouncement(`${file.name} was not uploaded: ${message}`);
        },
      );
    });
  };

  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    setOver(false);
    const files = Array.from(event.dataTransfer.files);
    start(multiple ? files : files.slice(0, 1));
  };

  return (
    <div className="media-upload">
      <div
        className={`media-upload__zone${over ? ' media-upload__zone--over' : ''}`}
        onDragOver={(event) => {
          event.preventDefault();
          event.dataTransfer.dropEffect = 'copy';
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
        data-testid="media-upload-zone"
      >
        <button
          type="button"
          className="button button--secondary"
          onClick={() => input.current?.click()}
          aria-describedby={`${id}-hint`}
        >
          {label}
        </button>
        <span id={`${id}-hint`} className="media-upload__hint">
          or drop {multiple ? 'files' : 'a file'} here
        </span>
        <input
          ref={input}
          id={`${id}-input`}
          type="file"
          accept={accept}
          multiple={multiple}
          className="visually-hidden"
          tabIndex={-1}
          aria-label={label}
          onChange={(event) => {
            start(Array.from(event.target.files ?? []));
            event.target.value = '';
          }}
        />
      </div>
      {items.length > 0 ? (
        <ul className="media-upload__list" aria-label="Uploads">
          {items.map((item) => (
            <li key={item.key} className={`media-upload__item media-upload__item--${item.state}`}>
              <span className="media-upload__name">{item.name}</span>
              {item.state === 'failed' ? (
                <span className="media-upload__error">{item.error}</span>
              ) : (
                <>
                  <progress
                    className="media-upload__progress"
                    max={100}
                    value={item.percent}
                    aria-label={`Uploading ${item.name}`}
                  />
                  <span className="media-upload__state">
                    {item.state === 'done' ? 'Uploaded' : `${item.percent}%`}
                  </span>
                </>
              )}
            </li>
          ))}
        </ul>
      ) : null}
      <p className="visually-hidden" role="status" aria-live="polite">
        {announcement}
      </p>
    </div>
  );
}
