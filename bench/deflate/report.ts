/**
 * The markdown of the permessage-deflate section of BENCHMARKS.md: how it was run, one echo
 * table per zlib level, a wirekit-vs-ws summary, the memory table and the targets of issue 5
 * checked against the medians.
 *
 * @example
 * ```ts
 * const markdown = deflateReport({ machine, throughput, memory, minutes, command });
 * ```
 */
import { fixed, grouped, markdownTable, times } from '../e2e/runner/markdown-table.js';
import { median } from '../e2e/runner/stats.js';
import type { MemoryRow } from './memory-section.js';
import { contention, LEAN_LABEL, type ThroughputRow } from './throughput-section.js';

/** Where and how the figures were taken. */
export interface RunDescription {
  readonly command: string;
  readonly date: string;
  readonly machine: string;
  readonly versions: string;
  readonly load: string;
  readonly minutes: number;
  readonly method: readonly string[];
}

/** The zlib floor of one case (see zlib-floor.ts). */
export interface FloorRow {
  readonly level: string;
  readonly size: number;
  readonly floorUs: number;
}

/** Everything the report shows. */
export interface DeflateResults {
  readonly run: RunDescription;
  readonly throughput: readonly ThroughputRow[] | undefined;
  readonly floors: readonly FloorRow[] | undefined;
  readonly memory: readonly MemoryRow[] | undefined;
}

const KiB = 1024;
const WS = 'ws';
const LEAN = LEAN_LABEL;

function size(bytes: number): string {
  return bytes % KiB === 0 ? `${bytes / KiB} KiB` : `${bytes} B`;
}

function med(row: ThroughputRow, pick: (r: ThroughputRow['runs'][number]) => number): number {
  return median(row.runs.map(pick));
}

function find(
  rows: readonly ThroughputRow[],
  pair: string,
  like: ThroughputRow,
): ThroughputRow | undefined {
  return rows.find(
    (r) =>
      r.pair === pair &&
      r.level === like.level &&
      r.size === like.size &&
      r.connections === like.connections,
  );
}

function capacity(row: ThroughputRow): number {
  return med(row, (r) => 1e6 / Math.max(r.serverCpuUs, r.clientCpuUs));
}

function echoTable(rows: readonly ThroughputRow[], all: readonly ThroughputRow[]): string {
  return markdownTable(
    [
      'pair (client → server)',
      'message',
      'conns',
      'msg/s',
      'p50 µs',
      'p99 µs',
      'server CPU µs/msg',
      'client CPU µs/msg',
      'capacity msg/s',
      'wire B/msg',
      'other load',
      'msg/s vs ws',
      'capacity vs ws',
    ],
    rows.map((row) => {
      const ws = find(all, WS, row);
      const rate = med(row, (r) => r.rate);
      return [
        row.pair,
        size(row.size),
        String(row.connections),
        grouped(rate),
        fixed(
          med(row, (r) => r.p50Us),
          0,
        ),
        fixed(
          med(row, (r) => r.p99Us),
          0,
        ),
        fixed(
          med(row, (r) => r.serverCpuUs),
          1,
        ),
        fixed(
          med(row, (r) => r.clientCpuUs),
          1,
        ),
        grouped(capacity(row)),
        grouped(med(row, (r) => r.wireInBytes)),
        `${fixed(100 * med(row, contention), 0)} %`,
        ws === undefined ? '—' : times(rate / med(ws, (r) => r.rate)),
        ws === undefined ? '—' : times(capacity(row) / capacity(ws)),
      ];
    }),
  );
}

/** wirekit vs ws per case: measured and capacity ratios, and server CPU with the same client. */
function summaryTable(rows: readonly ThroughputRow[]): string {
  const cases = rows.filter((r) => r.pair === WS);
  const of = (pair: string, like: ThroughputRow, pick: (r: ThroughputRow) => number): number => {
    const row = find(rows, pair, like);
    return row === undefined ? Number.NaN : pick(row);
  };
  const rate = (r: ThroughputRow): number => med(r, (x) => x.rate);
  const cpu = (r: ThroughputRow): number => med(r, (x) => x.serverCpuUs);
  return markdownTable(
    [
      'level',
      'message',
      'conns',
      'wirekit dedicated ÷ ws, msg/s',
      'wirekit dedicated ÷ ws, capacity',
      'wirekit shared ÷ ws, msg/s',
      'wirekit shared ÷ ws, capacity',
      'wirekit dedicated 11-bit/memLevel 4 ÷ ws, capacity',
      'ws server CPU ÷ wirekit dedicated server CPU (same ws client)',
    ],
    cases.map((like) => [
      like.level,
      size(like.size),
      String(like.connections),
      times(of('wirekit dedicated', like, rate) / rate(like)),
      times(of('wirekit dedicated', like, capacity) / capacity(like)),
      times(of('wirekit shared', like, rate) / rate(like)),
      times(of('wirekit shared', like, capacity) / capacity(like)),
      times(of(LEAN, like, capacity) / capacity(like)),
      times(cpu(like) / of('ws client → wirekit dedicated server', like, cpu)),
    ]),
  );
}

/** Server CPU per echo against the zlib floor, both servers fed by the same ws client. */
function floorTable(rows: readonly ThroughputRow[], floors: readonly FloorRow[]): string {
  const cases = rows.filter((r) => r.pair === WS);
  return markdownTable(
    [
      'level',
      'message',
      'conns',
      'zlib floor µs/msg',
      'wirekit dedicated server µs/msg',
      'ws server µs/msg',
      'wirekit above floor',
      'ws above floor',
      'ws server ÷ floor (best possible ×)',
    ],
    cases.map((like) => {
      const floor =
        floors.find((f) => f.level === like.level && f.size === like.size)?.floorUs ?? Number.NaN;
      const wk = find(rows, 'ws client → wirekit dedicated server', like);
      const wkCpu = wk === undefined ? Number.NaN : med(wk, (r) => r.serverCpuUs);
      const wsCpu = med(like, (r) => r.serverCpuUs);
      return [
        like.level,
        size(like.size),
        String(like.connections),
        fixed(floor, 1),
        fixed(wkCpu, 1),
        fixed(wsCpu, 1),
        fixed(wkCpu - floor, 1),
        fixed(wsCpu - floor, 1),
        times(wsCpu / floor),
      ];
    }),
  );
}

function memoryTable(rows: readonly MemoryRow[]): string {
  return markdownTable(
    [
      'connections',
      'server',
      'RSS KiB/conn',
      'heap used KiB/conn',
      'external KiB/conn',
      'server RSS MiB (all open)',
      'RSS/conn vs ws',
    ],
    rows.map((row) => {
      const ws = rows.find(
        (r) => r.connections === row.connections && r.subject.startsWith('ws (perMessageDeflate'),
      );
      const rss = median(row.runs.map((r) => r.rss));
      return [
        grouped(row.connections),
        row.subject,
        fixed(rss / KiB, 1),
        fixed(median(row.runs.map((r) => r.heapUsed)) / KiB, 1),
        fixed(median(row.runs.map((r) => r.external)) / KiB, 1),
        fixed(median(row.runs.map((r) => r.rssTotal)) / KiB / KiB, 0),
        ws === undefined ? '—' : times(rss / median(ws.runs.map((r) => r.rss))),
      ];
    }),
  );
}

/** The targets of issue 5, checked against these medians. */
function targets(results: DeflateResults): string[] {
  const lines: string[] = [];
  const rows = results.throughput;
  if (rows !== undefined) {
    for (const mode of ['wirekit dedicated', 'wirekit shared', LEAN]) {
      const ratios = rows
        .filter((r) => r.pair === WS)
        .map((like) => {
          const wk = find(rows, mode, like);
          return {
            like,
            measured:
              wk === undefined ? Number.NaN : med(wk, (r) => r.rate) / med(like, (r) => r.rate),
            capacity: wk === undefined ? Number.NaN : capacity(wk) / capacity(like),
          };
        });
      type Ratio = (typeof ratios)[number];
      const describe = (list: readonly Ratio[], pick: (r: Ratio) => number): string =>
        list
          .map(
            (r) =>
              `level ${r.like.level}, ${size(r.like.size)} × ${r.like.connections}: ${times(pick(r))}`,
          )
          .join('; ');
      for (const [name, pick] of [
        ['capacity', (r: Ratio) => r.capacity],
        ['measured msg/s', (r: Ratio) => r.measured],
      ] as const) {
        const met = ratios.filter((r) => pick(r) >= 2);
        const missed = ratios.filter((r) => !(pick(r) >= 2));
        lines.push(
          `- ≥ 2× ws throughput, ${mode} vs ws (both ends each), by ${name}: met in ${met.length} of ${ratios.length} cases` +
            (met.length === 0 ? '' : ` (${describe(met, pick)})`) +
            (missed.length === 0 ? '.' : `; missed in ${describe(missed, pick)}.`),
        );
      }
    }
  }
  const memory = results.memory;
  if (memory !== undefined) {
    for (const count of new Set(memory.map((r) => r.connections))) {
      const ws = memory.find(
        (r) => r.connections === count && r.subject.startsWith('ws (perMessageDeflate'),
      );
      if (ws === undefined) continue;
      const wsRss = median(ws.runs.map((r) => r.rss));
      for (const mode of ['wirekit shared', 'wirekit dedicated', LEAN]) {
        const row = memory.find((r) => r.connections === count && r.subject === mode);
        if (row === undefined) continue;
        const share = median(row.runs.map((r) => r.rss)) / wsRss;
        lines.push(
          `- ≤ ½ ws memory per connection at ${grouped(count)} connections, ${mode}: ${share <= 0.5 ? 'met' : 'missed'} (${times(share)} ws's RSS per connection).`,
        );
      }
    }
  }
  return lines;
}

/** The whole section. */
export function deflateReport(results: DeflateResults): string {
  const { run } = results;
  const out: string[] = [
    '## permessage-deflate (RFC 7692): throughput, latency, memory',
    '',
    `Command: \`${run.command}\` (about ${Math.round(run.minutes)} min). Date: ${run.date}. Machine: ${run.machine}. ${run.versions}. Load average (1 min) before/after: ${run.load}.`,
    '',
    ...run.method.map((line) => `- ${line}`),
  ];
  const rows = results.throughput;
  if (rows !== undefined) {
    for (const level of new Set(rows.map((r) => r.level))) {
      out.push(
        '',
        `### Echo, zlib level ${level}`,
        '',
        echoTable(
          rows.filter((r) => r.level === level),
          rows,
        ),
      );
    }
    out.push('', '### wirekit vs ws (ratios of the medians above)', '', summaryTable(rows));
    if (results.floors !== undefined) {
      out.push(
        '',
        '### Server CPU per echo against the zlib floor (inflate + compress in process, hot loop)',
        '',
        floorTable(rows, results.floors),
      );
    }
  }
  if (results.memory !== undefined) {
    out.push('', '### Memory per connection (server process)', '', memoryTable(results.memory));
  }
  const checked = targets(results);
  if (checked.length > 0)
    out.push('', '### Targets (issue 5), from the medians above', '', ...checked);
  return out.join('\n');
}
