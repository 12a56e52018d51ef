/**
 * Bounding text that comes from outside (platforms, AI providers, webhook receivers, uploads) to the
 * length the API documents for it. Lengths are counted as JSON Schema's `maxLength` counts them: in
 * Unicode code points, so a cut never splits a surrogate pair.
 */

/** The number of code points of `text` (what `maxLength` measures). */
export function codePointLength(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

/**
 * `text` cut to at most `max` code points; a cut text ends with `…` (counted in `max`), so a reader sees
 * that something was left out. Text within the limit is returned unchanged.
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text; // fewer UTF-16 units than `max` means fewer code points
  if (codePointLength(text) <= max) return text;
  if (max <= 0) return '';
  let out = '';
  let count = 0;
  for (const char of text) {
    if (count === max - 1) break;
    out += char;
    count++;
  }
  return `${out}…`;
}

/** `clip` for an optional value: null and undefined stay as they are. */
export function clipOptional<T extends string | null | undefined>(text: T, max: number): T {
  return (typeof text === 'string' ? clip(text, max) : text) as T;
}
