/**
 * Relative links of the hand-written pages (README.md, examples/README.md, docs/*.md,
 * docs/cookbook/*.md) point at files that exist, so a renamed page or example shows up here
 * instead of as a dead link. The generated docs/reference is TypeDoc's and checked by it.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** The markdown files of `dir` (not recursive), relative to the repo root. */
function pagesIn(dir: string): string[] {
  return readdirSync(join(root, dir))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(dir, name));
}

test('relative links in README.md and docs/ resolve', () => {
  const pages = [
    'README.md',
    'examples/README.md',
    ...pagesIn('docs'),
    ...pagesIn('docs/cookbook'),
  ];
  const broken: string[] = [];
  for (const page of pages) {
    const text = readFileSync(join(root, page), 'utf8');
    for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = match[1]!;
      if (/^[a-z]+:/.test(target) || target.startsWith('#')) continue; // external or in-page
      const path = join(dirname(join(root, page)), target.split('#')[0]!);
      if (!existsSync(path)) broken.push(`${page}: ${target}`);
    }
  }
  assert.deepEqual(broken, []);
});
