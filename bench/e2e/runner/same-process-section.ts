/**
 * The same-process section: 100,000 × "Hello, World!" (send, echo, recv phases) with the
 * server and its client library in one process pinned to one core (see `same-process.ts` and
 * `same-process-pairs.ts`). One process per pair per round, rounds alternating across pairs;
 * medians. The CPU column is that whole process, server and client together.
 *
 * @example
 * ```ts
 * const rows = await runSameProcessSection(config, specs);
 * console.log(sameProcessTable(rows));
 * ```
 */
import type { LibraryPhaseTimes } from '../client/library-phases.js';
import { runJsonProcess } from './json-process.js';
import { fixed, markdownTable, times } from './markdown-table.js';
import type { RunConfig } from './run-config.js';
import { runtimeCommand } from './runtime-command.js';
import { SAME_PROCESS_PAIRS } from './same-process-pairs.js';
import type { ServerSpec } from './server-process.js';
import { median } from './stats.js';

/** Medians of one pair. */
export interface SameProcessRow {
  readonly id: string;
  readonly label: string;
  readonly sendMs: number;
  readonly echoMs: number;
  readonly recvMs: number;
  readonly totalMs: number;
  readonly totalCpuMs: number;
  readonly runs: readonly LibraryPhaseTimes[];
}

const script = new URL('../same-process.js', import.meta.url).pathname;

/** Run every pair whose server is among `specs` (the servers that started in the preflight). */
export async function runSameProcessSection(
  config: RunConfig,
  specs: readonly ServerSpec[],
): Promise<SameProcessRow[]> {
  const { messages, runs } = config.sameProcess;
  const pairs = SAME_PROCESS_PAIRS.filter((pair) =>
    specs.some((spec) => spec.label === pair.serverLabel),
  );
  const results = pairs.map(() => [] as LibraryPhaseTimes[]);
  for (let round = 0; round < runs; round++) {
    for (const [i, pair] of pairs.entries()) {
      const command = runtimeCommand(pair.runtime, script);
      command.push('--pair', pair.id, '--messages', String(messages));
      const result = (await runJsonProcess(command, {
        label: `same-process ${pair.id}`,
        cpu: config.serverCpu,
        timeoutMs: 300_000,
      })) as LibraryPhaseTimes;
      results[i]!.push(result);
      process.stderr.write(`  same-process ${pair.label}: ${fixed(result.totalMs, 0)} ms\n`);
    }
  }
  return pairs.map((pair, i) => {
    const list = results[i]!;
    return {
      id: pair.id,
      label: pair.label,
      sendMs: median(list.map((r) => r.sendMs)),
      echoMs: median(list.map((r) => r.echoMs)),
      recvMs: median(list.map((r) => r.recvMs)),
      totalMs: median(list.map((r) => r.totalMs)),
      totalCpuMs: median(list.map((r) => r.totalCpuMs)),
      runs: list,
    };
  });
}

/** ms per phase, process CPU, and how many times faster than the ws, uWS and Bun pairs. */
export function sameProcessTable(rows: readonly SameProcessRow[]): string {
  const total = (id: string): number => rows.find((r) => r.id === id)?.totalMs ?? Number.NaN;
  return markdownTable(
    [
      'server + client',
      'send ms',
      'echo ms',
      'recv ms',
      'total ms',
      'process CPU ms',
      'total: × ws',
      'total: × uWS',
      'total: × Bun',
    ],
    rows.map((r) => [
      r.label,
      fixed(r.sendMs, 1),
      fixed(r.echoMs, 1),
      fixed(r.recvMs, 1),
      fixed(r.totalMs, 1),
      fixed(r.totalCpuMs, 1),
      times(total('ws') / r.totalMs),
      times(total('uws') / r.totalMs),
      times(total('bun') / r.totalMs),
    ]),
  );
}
