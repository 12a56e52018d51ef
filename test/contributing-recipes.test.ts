import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * CONTRIBUTING.md's layout and recipes name files and the functions, lists and types in them. They are
 * checked against the code, so that a recipe cannot send a contributor to a file that moved or a name
 * that changed: every path in inline code exists (the recipes' placeholders aside), and every
 * "`name` … in `file`" claim finds the name in that file.
 */

const root = fileURLToPath(new URL('..', import.meta.url));
const markdown = fs.readFileSync(path.join(root, 'CONTRIBUTING.md'), 'utf8');

/** The recipes' examples of what a contributor adds: module `x`, network `mastodon`, migration `00NN`. */
const PLACEHOLDER = /(^|\/)x(\/|\.)|mastodon|00NN|<[^>]+>/;
const PATH = /^(src|test|packages|scripts|docs|examples|bench|\.ci)\//;

function inlineCode(text: string): string[] {
  return [...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
}

/** Paragraphs and list items, joined across their wrapped lines, outside fenced blocks. */
function passages(text: string): string[] {
  return text
    .replace(/^```[\s\S]*?^```/gm, '')
    .split(/\n(?=\s*(?:\d+\.|-)\s)|\n\s*\n/)
    .map((passage) => passage.replace(/\s*\n\s*/g, ' '));
}

/**
 * "`createJobTypeRegistry` in `src/worker/job-types.ts`", "`EVENT_TYPES` in `src/db/tables/events.ts`",
 * "`recordEvent(ctx, …)` from the events module": the name is the identifier the code span starts with.
 */
function claims(passage: string): { name: string; file: string }[] {
  const found: { name: string; file: string }[] = [];
  const span = '`[^`]+`';
  const pattern = new RegExp(
    `(${span}(?:(?:,|\\s)+(?:and\\s+|or\\s+)?${span})*)[^\`.;:]{0,40}?\\b(?:in|of)\\s+\`([^\`]+\\.ts)\``,
    'g',
  );
  for (const m of passage.matchAll(pattern)) {
    const file = m[2]!;
    if (!PATH.test(file) || PLACEHOLDER.test(file)) continue;
    for (const code of inlineCode(m[1]!)) {
      // An identifier, possibly called (`recordEvent(ctx, …)`); a path or a command is not a name.
      const name = /^([A-Za-z_$][\w$]*)(?:\(.*\))?$/.exec(code)?.[1];
      if (name) found.push({ name, file });
    }
  }
  return found;
}

describe('CONTRIBUTING.md matches the code', () => {
  it('every path it names exists', () => {
    const paths = [...new Set(inlineCode(markdown).filter((code) => PATH.test(code)))];
    assert.ok(paths.length > 30, `found ${paths.length} paths`);
    const missing = paths
      .filter((p) => !PLACEHOLDER.test(p))
      .filter((p) => !fs.existsSync(path.join(root, p.replace(/\/$/, ''))));
    assert.deepEqual(missing, []);
  });

  it('every name it places in a file is in that file', () => {
    const all = passages(markdown).flatMap(claims);
    assert.ok(all.length >= 10, `found ${all.length} claims: ${JSON.stringify(all)}`);
    const wrong = all.filter(({ name, file }) => {
      const source = fs.readFileSync(path.join(root, file), 'utf8');
      return !new RegExp(`\\b${name.replace(/\$/g, '\\$')}\\b`).test(source);
    });
    assert.deepEqual(wrong, []);
  });

  it('the recipes exist and each names the files it touches', () => {
    for (const recipe of ['Add an endpoint', 'Add a job type', 'Add a platform', 'Add an event type']) {
      const start = markdown.indexOf(`### ${recipe}`);
      assert.ok(start >= 0, `recipe "${recipe}"`);
      const end = markdown.indexOf('\n### ', start + 1);
      const body = markdown.slice(start, end < 0 ? undefined : end);
      assert.ok(
        inlineCode(body).filter((code) => PATH.test(code)).length >= 3,
        `"${recipe}" names its files`,
      );
    }
  });
});
