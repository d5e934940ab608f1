/**
 * Memory per connection with compression on: a server process (its open-file limit raised),
 * measured after a full GC before any connection and again once N connections from a load
 * client in another process have each exchanged a few compressed 1 KiB messages. The
 * difference divided by N is the cost of one connection: RSS, and `process.memoryUsage()`'s
 * heap and external (where Node accounts zlib's contexts) parts.
 *
 * @example
 * ```ts
 * const rows = await runMemorySection({ counts: [1000], runs: 1, openFiles: 20000 }, log);
 * ```
 */

import { NodeChild } from './node-child.js';
import type { MemoryLine } from './server-control.js';
import {
  LEAN_LABEL,
  type ServerKind,
  startServer,
  WIREKIT_DEDICATED_LEAN,
} from './throughput-section.js';

/** One server configuration in the memory table. */
export interface MemorySubject {
  readonly label: string;
  readonly server: ServerKind;
}

/** What a memory run does. */
export interface MemoryConfig {
  readonly counts: readonly number[];
  readonly runs: number;
  readonly openFiles: number;
  readonly messagesPerConnection: number;
  readonly subjects: readonly MemorySubject[];
}

/** One measurement: bytes per connection. */
export interface MemoryRun {
  readonly rss: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  /** Server RSS with all connections open, bytes. */
  readonly rssTotal: number;
  /** Seconds the client took to connect and exchange. */
  readonly setupSeconds: number;
}

/** All runs of one subject at one connection count. */
export interface MemoryRow {
  readonly subject: string;
  readonly connections: number;
  readonly runs: MemoryRun[];
}

/** wirekit in both modes (dedicated also with small contexts) and ws with its default
 * perMessageDeflate; both without compression. */
export const MEMORY_SUBJECTS: readonly MemorySubject[] = [
  { label: 'wirekit shared', server: { library: 'wirekit', mode: 'shared' } },
  { label: 'wirekit dedicated', server: { library: 'wirekit', mode: 'dedicated' } },
  { label: LEAN_LABEL, server: WIREKIT_DEDICATED_LEAN },
  { label: 'ws (perMessageDeflate: true)', server: { library: 'ws', mode: 'dedicated' } },
  { label: 'wirekit, compression off', server: { library: 'wirekit', mode: 'off' } },
  { label: 'ws, compression off', server: { library: 'ws', mode: 'off' } },
];

function script(name: string): string {
  return new URL(`./${name}.js`, import.meta.url).pathname;
}

async function measure(server: NodeChild): Promise<MemoryLine> {
  server.send('measure');
  return (await server.nextLine((line) => line['event'] === 'memory')) as unknown as MemoryLine;
}

async function runOnce(
  config: MemoryConfig,
  subject: MemorySubject,
  connections: number,
): Promise<MemoryRun> {
  const { child: server, port } = await startServer(subject.server, 'default', {
    openFiles: config.openFiles,
  });
  let client: NodeChild | undefined;
  try {
    // Let the fresh process settle (JIT, lazy module work) before the baseline.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const before = await measure(server);
    client = NodeChild.start(
      script('memory-client'),
      [
        '--url',
        `ws://127.0.0.1:${port}`,
        '--connections',
        String(connections),
        '--messages',
        String(config.messagesPerConnection),
        ...(subject.server.mode === 'off' ? ['--expect-declined'] : []),
      ],
      { openFiles: config.openFiles },
    );
    const exchanged = await client.nextLine((line) => line['event'] === 'exchanged', 150_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = await measure(server);
    if (after.connections !== connections)
      throw new Error(
        `${subject.label}: ${after.connections} connections open, not ${connections}`,
      );
    return {
      rss: (after.rss - before.rss) / connections,
      heapUsed: (after.heapUsed - before.heapUsed) / connections,
      heapTotal: (after.heapTotal - before.heapTotal) / connections,
      external: (after.external - before.external) / connections,
      rssTotal: after.rss,
      setupSeconds: exchanged['seconds'] as number,
    };
  } finally {
    await client?.stop();
    await server.stop();
  }
}

/** Run every subject at every count, `runs` times, subjects rotated per run. */
export async function runMemorySection(
  config: MemoryConfig,
  log: (line: string) => void,
): Promise<MemoryRow[]> {
  const rows: MemoryRow[] = [];
  for (const connections of config.counts) {
    const byLabel = new Map<string, MemoryRow>();
    for (const subject of config.subjects) {
      const row: MemoryRow = { subject: subject.label, connections, runs: [] };
      byLabel.set(subject.label, row);
      rows.push(row);
    }
    for (let run = 0; run < config.runs; run++) {
      const shift = run % config.subjects.length;
      const order = [...config.subjects.slice(shift), ...config.subjects.slice(0, shift)];
      for (const subject of order) {
        const result = await runOnce(config, subject, connections);
        byLabel.get(subject.label)!.runs.push(result);
        log(
          `memory ${connections} connections, run ${run + 1}/${config.runs}: ${subject.label} ${(result.rss / 1024).toFixed(1)} KiB RSS/connection`,
        );
      }
    }
  }
  return rows;
}
