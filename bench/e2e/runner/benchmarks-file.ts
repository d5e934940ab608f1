/**
 * Write one section of BENCHMARKS.md between HTML comment markers, leaving the rest of the
 * file (other engineers' sections) as it is. The section is appended when the markers are
 * missing; the file is created with a title when it does not exist.
 *
 * @example
 * ```ts
 * writeSection('BENCHMARKS.md', 'e2e', '## End-to-end (loopback)\n…');
 * ```
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** Replace (or add) the section named `id` with `body`. */
export function writeSection(path: string, id: string, body: string): void {
  const start = `<!-- ${id}:start -->`;
  const end = `<!-- ${id}:end -->`;
  const block = `${start}\n${body.trim()}\n${end}`;
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  const next =
    from !== -1 && to > from
      ? current.slice(0, from) + block + current.slice(to + end.length)
      : `${current.trimEnd()}\n\n${block}\n`;
  writeFileSync(path, next);
}
