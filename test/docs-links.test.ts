import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * Every relative link in the documentation leads somewhere: the file or folder exists, and an anchor
 * (`#section`) names a heading of the target, slugged as GitHub does. Links to other sites are not
 * followed.
 */

const root = fileURLToPath(new URL('..', import.meta.url));

/** Installed and generated folders (the SDK's TypeDoc output included), not written by hand. */
const SKIPPED = new Set(['node_modules', 'dist', 'coverage', '.scratch']);

/** The documents checked: the README, CONTRIBUTING, the guides, and the READMEs beside the code. */
function documents(): string[] {
  const found = ['README.md', 'CONTRIBUTING.md'];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (SKIPPED.has(entry.name) || rel === path.join('packages', 'sdk', 'docs')) continue;
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.md')) found.push(rel);
    }
  };
  for (const dir of ['docs', 'src', 'test', 'examples', 'bench', 'packages']) {
    if (fs.existsSync(path.join(root, dir))) walk(dir);
  }
  return found;
}

/** Markdown without its fenced code blocks and inline code, where brackets are not links. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, 'code');
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, heading] of markdown.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6}\s+(.+)$/gm)) {
    const slug = heading!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

function links(markdown: string): string[] {
  const text = prose(markdown);
  const inline = [...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!);
  const references = [...text.matchAll(/^\[[^\]]+\]:\s+(\S+)/gm)].map((m) => m[1]!);
  return [...inline, ...references].filter((href) => !/^[a-z][a-z0-9+.-]*:/i.test(href));
}

describe('relative links in the documentation', () => {
  const files = documents();

  it('finds the documents', () => {
    for (const file of ['README.md', 'CONTRIBUTING.md', 'docs/api.md', 'docs/operations.md']) {
      assert.ok(files.includes(file), `${file} is checked`);
    }
  });

  for (const file of files) {
    it(`${file}: every link resolves`, () => {
      const markdown = fs.readFileSync(path.join(root, file), 'utf8');
      const broken: string[] = [];
      for (const href of links(markdown)) {
        const [target = '', anchor] = href.split('#');
        const resolved =
          target === '' ? path.join(root, file) : path.resolve(root, path.dirname(file), target);
        if (!fs.existsSync(resolved)) {
          broken.push(`${href}: no ${path.relative(root, resolved)}`);
          continue;
        }
        if (anchor && resolved.endsWith('.md') && !anchors(fs.readFileSync(resolved, 'utf8')).has(anchor)) {
          broken.push(`${href}: no heading #${anchor} in ${path.relative(root, resolved)}`);
        }
      }
      assert.deepEqual(broken, [], `broken links in ${file}`);
    });
  }
});
