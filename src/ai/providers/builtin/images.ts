import { loadSharp } from '../../../shared/sharp.js';
import type { GeneratedImage, ImageRequest } from '../../types.js';
import { encodeRequested } from '../image-output.js';
import { seededRandom } from './words.js';

/**
 * The builtin "image model": a branded text card. The prompt's words are set in large type over a
 * gradient of the brand's colours (or a palette picked from the prompt), rendered from SVG by sharp to a
 * real PNG or JPEG of exactly the requested size. Deterministic for the same request.
 */

const PALETTES = [
  ['#1e3a8a', '#7c3aed'],
  ['#0f766e', '#22c55e'],
  ['#9a3412', '#f59e0b'],
  ['#831843', '#f43f5e'],
  ['#111827', '#4b5563'],
  ['#075985', '#06b6d4'],
];

const escapeXml = (text: string) =>
  text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  );

/** WCAG relative luminance of `#rrggbb`. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

const isHex = (c: string) => /^#[0-9a-f]{6}$/i.test(c);

/** Greedy word wrap to `perLine` characters, at most `maxLines` lines (the last ends in `…` when cut). */
function wrap(text: string[], perLine: number, maxLines: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text) {
    const next = line ? `${line} ${word}` : word;
    if ([...next].length <= perLine || !line) line = [...next].slice(0, perLine).join('');
    else {
      lines.push(line);
      line = [...word].slice(0, perLine).join('');
    }
  }
  if (line) lines.push(line);
  if (lines.length > maxLines) {
    lines.length = maxLines;
    lines[maxLines - 1] = `${[...lines[maxLines - 1]!].slice(0, Math.max(1, perLine - 1)).join('')}…`;
  }
  return lines;
}

function cardSvg(req: ImageRequest, variant: number): string {
  const { width, height } = req;
  const rnd = seededRandom(`${req.prompt}|${req.style ?? ''}|${req.seed ?? ''}|${variant}`);
  const brandColors = (req.brand?.colors ?? []).filter(isHex);
  const palette =
    brandColors.length >= 2
      ? brandColors
      : brandColors.length === 1
        ? [brandColors[0]!, '#111827']
        : PALETTES[Math.floor(rnd() * PALETTES.length)]!;
  const shift = variant + (req.seed ? Math.floor(rnd() * palette.length) : 0);
  const from = palette[shift % palette.length]!;
  const to = palette[(shift + 1) % palette.length]!;
  const minimal = req.style?.toLowerCase() === 'minimal';
  const angle = Math.floor(rnd() * 360);
  const dark = (luminance(from) + luminance(minimal ? from : to)) / 2 > 0.4;
  const ink = dark ? '#111827' : '#ffffff';

  const short = Math.min(width, height);
  const fontSize = Math.max(10, Math.round(short / (req.style?.toLowerCase() === 'bold' ? 7 : 10)));
  const perLine = Math.max(4, Math.floor((width * 0.84) / (fontSize * 0.56)));
  const maxLines = Math.max(1, Math.floor((height * 0.7) / (fontSize * 1.2)));
  const promptWords = req.prompt
    .replace(/[\p{Cc}\p{Cf}]/gu, ' ')
    .split(/\s+/)
    .filter(Boolean);
  const lines = wrap(promptWords.length ? promptWords : ['…'], perLine, maxLines);
  const top = height / 2 - ((lines.length - 1) * fontSize * 1.2) / 2 + fontSize * 0.35;
  const text = lines
    .map(
      (l, i) =>
        `<tspan x="${width / 2}" y="${(top + i * fontSize * 1.2).toFixed(1)}">${escapeXml(l)}</tspan>`,
    )
    .join('');
  const brand = req.brand?.name
    ? `<text x="${width / 2}" y="${(height - short * 0.06).toFixed(1)}" font-size="${Math.max(8, Math.round(fontSize * 0.4))}" text-anchor="middle" fill="${ink}" fill-opacity="0.8" font-family="DejaVu Sans, sans-serif">${escapeXml(req.brand.name)}</text>`
    : '';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<defs><linearGradient id="g" gradientTransform="rotate(${angle} 0.5 0.5)">` +
    `<stop offset="0" stop-color="${from}"/><stop offset="1" stop-color="${minimal ? from : to}"/></linearGradient></defs>` +
    `<rect width="100%" height="100%" fill="url(#g)"/>` +
    `<circle cx="${(rnd() * width).toFixed(0)}" cy="${(rnd() * height).toFixed(0)}" r="${(short * 0.35).toFixed(0)}" fill="${ink}" fill-opacity="0.06"/>` +
    `<text font-size="${fontSize}" font-weight="bold" text-anchor="middle" fill="${ink}" font-family="DejaVu Sans, sans-serif">${text}</text>` +
    brand +
    `</svg>`
  );
}

export async function builtinImages(req: ImageRequest): Promise<GeneratedImage[]> {
  const sharp = await loadSharp();
  const out: GeneratedImage[] = [];
  for (let i = 0; i < req.n; i++) {
    const card = sharp(Buffer.from(cardSvg(req, i)), { density: 72 });
    out.push(await encodeRequested(card, req, { fit: 'fill', jpegQuality: 88 }));
  }
  return out;
}
