/**
 * The AI generation contract (docs/publishing.md, "AI generation"): one provider interface, two
 * implementations (`builtin`, offline and deterministic; `openai-compatible`, over HTTP). Imports nothing but
 * `shared/`.
 */

/** What to write captions about. `n` drafts come back, each valid for `platform` (its rules). */
export interface CaptionRequest {
  topic: string;
  platform: string;
  tone?: string | null;
  n: number;
  brand?: { name: string; voice: string | null } | null;
  /** A content pillar (plans), e.g. "education" or "behind the scenes". */
  pillar?: string | null;
  goal?: string | null;
  /** Varies the builtin provider's choices while staying deterministic for the same seed. */
  seed?: string;
}

export interface CaptionDraft {
  /** The caption text, including any hashtags the platform's convention puts in the text. */
  caption: string;
  /** The hashtags (without `#`) used in the caption, in order. */
  hashtags: string[];
}

export interface ImageRequest {
  prompt: string;
  width: number;
  height: number;
  style?: string | null;
  n: number;
  brand?: { name: string; colors: string[] } | null;
  format?: 'png' | 'jpeg';
  /** Varies the builtin renderer's choices (e.g. one image per job chunk) while staying deterministic. */
  seed?: string;
}

export interface GeneratedImage {
  bytes: Buffer;
  mimeType: 'image/png' | 'image/jpeg';
  width: number;
  height: number;
}

export interface AiProvider {
  readonly name: string;
  /** A slow provider's image generation runs as a job (202) instead of inside the request. */
  readonly slow: boolean;
  generateCaptions(req: CaptionRequest): Promise<CaptionDraft[]>;
  generateImages(req: ImageRequest): Promise<GeneratedImage[]>;
}
