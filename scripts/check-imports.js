#!/usr/bin/env node
// The import fences of docs/architecture.md, checked on the sources: `src/core` imports
// nothing from `src/node` or `src/cli`, `src/node` nothing from `src/cli`, and no module of
// `src/` reaches itself again through its relative imports (no circles, type-only imports
// included: a circle of types still ties the files together). Exits 1 with the offenders.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
const src = join(root, 'src');

function collect(dir, out) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const SPECIFIER =
  /(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The `src/` files a file imports by relative path. */
function importsOf(file) {
  const text = readFileSync(file, 'utf8');
  const found = [];
  for (const match of text.matchAll(SPECIFIER)) {
    const specifier = match[1] ?? match[2];
    if (!specifier.startsWith('.')) continue;
    found.push(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
  }
  return found;
}

const LAYERS = [
  { from: 'core/', denied: ['node/', 'cli/'] },
  { from: 'node/', denied: ['cli/'] },
];

const files = collect(src, []);
const graph = new Map(files.map((file) => [file, importsOf(file)]));
const problems = [];

for (const [file, targets] of graph) {
  const from = relative(src, file);
  for (const target of targets) {
    const to = relative(src, target);
    for (const layer of LAYERS)
      if (from.startsWith(layer.from) && layer.denied.some((d) => to.startsWith(d)))
        problems.push(
          `src/${from} imports src/${to}: ${layer.from} sits below ${to.split('/')[0]}/`,
        );
  }
}

// Tarjan's strongly connected components: every component of more than one file is a circle.
let index = 0;
const stack = [];
const state = new Map();
function visit(file) {
  const node = { index, low: index, onStack: true };
  index++;
  state.set(file, node);
  stack.push(file);
  for (const next of graph.get(file) ?? []) {
    if (!graph.has(next)) continue;
    const seen = state.get(next);
    if (seen === undefined) {
      visit(next);
      node.low = Math.min(node.low, state.get(next).low);
    } else if (seen.onStack) node.low = Math.min(node.low, seen.index);
  }
  if (node.low === node.index) {
    const component = [];
    let member;
    do {
      member = stack.pop();
      state.get(member).onStack = false;
      component.push(relative(src, member));
    } while (member !== file);
    if (component.length > 1) problems.push(`import circle: ${component.sort().join(' ↔ ')}`);
  }
}
for (const file of files) if (!state.has(file)) visit(file);

if (problems.length > 0) {
  console.error(`check-imports: ${problems.length} problem(s)\n${problems.join('\n')}`);
  process.exit(1);
}
console.log(`check-imports: ${files.length} files, layers respected, no import circles`);
