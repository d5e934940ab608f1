/**
 * Section 4 (throughput half): broadcast from one publisher to 100 and 500 subscribers,
 * deliveries per second and server CPU per delivery; rounds interleaved, medians. The
 * syscalls per delivery come from the strace section.
 *
 * @example
 * ```ts
 * const table = broadcastTable(await runBroadcastSection(config));
 * ```
 */
import type { BroadcastResult } from '../client/broadcast-benchmark.js';
import { runClient } from './client-process.js';
import { fixed, grouped, markdownTable, times } from './markdown-table.js';
import type { RunConfig } from './run-config.js';
import type { ServerSpec } from './server-process.js';
import { UWS_LABEL, WS_LABEL } from './server-specs.js';
import { median } from './stats.js';
import { withServers } from './with-servers.js';

/** Medians of one server with one subscriber count. */
export interface BroadcastRow {
  readonly label: string;
  readonly subscribers: number;
  readonly deliveriesPerSecond: number;
  readonly serverCpuUsPerDelivery: number;
  readonly serverCpuLoad: number;
  readonly clientCpuLoad: number;
  readonly runs: readonly BroadcastResult[];
}

/** The client arguments of one broadcast run (shared with the strace section). */
export function broadcastArgs(
  config: RunConfig,
  port: number,
  pid: number,
  subscribers: number,
  warmupMs: number,
  durationMs: number,
): string[] {
  const b = config.broadcast;
  return [
    ...['--mode', 'broadcast', '--port', String(port), '--pid', String(pid)],
    ...['--subscribers', String(subscribers), '--payload', String(b.payloadBytes)],
    ...['--burst', String(b.burst), '--in-flight', String(b.inFlight)],
    ...['--warmup-ms', String(warmupMs), '--duration-ms', String(durationMs)],
  ];
}

/** Run the broadcast cases against the WebSocket servers. */
export async function runBroadcastSection(
  config: RunConfig,
  all: readonly ServerSpec[],
): Promise<BroadcastRow[]> {
  const { subscribers, rounds, warmupMs, durationMs } = config.broadcast;
  const specs = all.filter((spec) => spec.websocket);
  return withServers(specs, { cpu: config.serverCpu }, async (servers) => {
    const results = subscribers.map(() => servers.map(() => [] as BroadcastResult[]));
    for (let round = 0; round < rounds; round++) {
      for (const [c, count] of subscribers.entries()) {
        for (const [s, server] of servers.entries()) {
          const args = broadcastArgs(config, server.port, server.pid, count, warmupMs, durationMs);
          const result = (await runClient(args, {
            cpu: config.clientCpu,
            timeoutMs: warmupMs + durationMs + 60_000,
          })) as BroadcastResult;
          results[c]![s]!.push(result);
          process.stderr.write(
            `  broadcast ${count} ${server.spec.label}: ${grouped(result.deliveriesPerSecond)}/s\n`,
          );
        }
      }
    }
    return subscribers.flatMap((count, c) =>
      servers.map((server, s) => {
        const runs = results[c]![s]!;
        return {
          label: server.spec.label,
          subscribers: count,
          deliveriesPerSecond: median(runs.map((r) => r.deliveriesPerSecond)),
          serverCpuUsPerDelivery: median(runs.map((r) => r.serverCpuUsPerDelivery)),
          serverCpuLoad: median(runs.map((r) => r.serverCpuLoad)),
          clientCpuLoad: median(runs.map((r) => r.clientCpuLoad)),
          runs,
        };
      }),
    );
  });
}

/** One table, grouped by subscriber count. */
export function broadcastTable(rows: readonly BroadcastRow[]): string {
  return markdownTable(
    [
      'subscribers',
      'server',
      'deliveries/s',
      'server CPU µs/delivery',
      'server load',
      'client load',
      '× ws',
      '× uWS',
    ],
    rows.map((r) => {
      const ws = rows.find((o) => o.subscribers === r.subscribers && o.label === WS_LABEL);
      const uws = rows.find((o) => o.subscribers === r.subscribers && o.label === UWS_LABEL);
      return [
        String(r.subscribers),
        r.label,
        grouped(r.deliveriesPerSecond),
        fixed(r.serverCpuUsPerDelivery, 2),
        fixed(r.serverCpuLoad, 2),
        fixed(r.clientCpuLoad, 2),
        times(r.deliveriesPerSecond / (ws?.deliveriesPerSecond ?? Number.NaN)),
        times(r.deliveriesPerSecond / (uws?.deliveriesPerSecond ?? Number.NaN)),
      ];
    }),
  );
}
