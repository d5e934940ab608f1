/**
 * The memory benchmark's results as markdown: per server, the cost of one connection (the
 * difference to the listening baseline divided by N) idle and after one message each way, as
 * RSS, V8 heap used and external memory, medians over the runs.
 *
 * @example
 * ```ts
 * console.log(memoryTable(results, 10_000));
 * ```
 */
import type { ProbeMemory } from './memory-probe.js';
import type { SubjectRun } from './memory-run.js';
import type { MemorySubject } from './memory-subjects.js';

/** The runs of one subject. */
export interface SubjectResult {
  readonly subject: MemorySubject;
  readonly runs: readonly SubjectRun[];
}

type Field = 'rss' | 'heapUsed' | 'external';
type Stage = 'idle' | 'message';

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Bytes per connection of `field` at `stage`, median over the runs. */
export function perConnection(
  result: SubjectResult,
  stage: Stage,
  field: Field,
  connections: number,
): number {
  return median(
    result.runs.map((run) => {
      const at: ProbeMemory = run[stage];
      return (at[field] - run.baseline[field]) / connections;
    }),
  );
}

function kib(bytes: number): string {
  return (bytes / 1024).toFixed(2);
}

function extensionsOf(result: SubjectResult): string {
  const seen = new Set<string>();
  for (const run of result.runs) for (const name of Object.keys(run.extensions)) seen.add(name);
  const names = [...seen].map((name) => (name === '' ? '—' : `\`${name}\``));
  return names.join(', ');
}

/** The table, one row per subject. */
export function memoryTable(results: readonly SubjectResult[], connections: number): string {
  const lines = [
    '| server | RSS idle | RSS after 1 msg | heap idle | heap after 1 msg | external idle | external after 1 msg | agreed extension |',
    '| --- | --: | --: | --: | --: | --: | --: | --- |',
  ];
  for (const result of results) {
    const cell = (stage: Stage, field: Field): string =>
      kib(perConnection(result, stage, field, connections));
    lines.push(
      `| ${result.subject.label} | ${cell('idle', 'rss')} | ${cell('message', 'rss')} | ${cell('idle', 'heapUsed')} | ${cell('message', 'heapUsed')} | ${cell('idle', 'external')} | ${cell('message', 'external')} | ${extensionsOf(result)} |`,
    );
  }
  return lines.join('\n');
}
