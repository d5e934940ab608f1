/**
 * Section 4 (throughput half): broadcast from one publisher to 100 and 500 subscribers with
 * each server's topics (wirekit `server.publish`, uWebSockets.js `app.publish`, Bun
 * `server.publish`; ws has none and loops `send`), driven by the C load client's broadcast
 * mode (`c/broadcast-load.h`: a publisher window of messages in flight, every subscriber
 * checking order). Deliveries per second, server CPU per delivery, publish-to-arrival p50/p99;
 * rounds interleaved, medians. The syscalls per delivery come from the strace section.
 *
 * @example
 * ```ts
 * const table = broadcastTable(await runBroadcastSection(config, specs, client));
 * ```
 */
import type { CBroadcastResult, CLoadClient } from './c-load-client.js';
import { fixed, grouped, markdownTable, times } from './markdown-table.js';
import type { RunConfig } from './run-config.js';
import type { ServerSpec } from './server-process.js';
import { BUN_LABEL, UWS_LABEL, WIREKIT_LABEL } from './server-specs.js';
import { median } from './stats.js';
import { withServers } from './with-servers.js';

/** Medians of one server with one subscriber count. */
export interface BroadcastRow {
  readonly label: string;
  readonly subscribers: number;
  readonly deliveriesPerSecond: number;
  readonly serverCpuUsPerDelivery: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly serverCpuLoad: number;
  readonly clientCpuLoad: number;
  readonly runs: readonly CBroadcastResult[];
}

/** wirekit with a loop of `send` over its subscribers instead of topics, for comparison. */
export const WIREKIT_LOOP_LABEL = 'wirekit (send loop)';

/** The servers of this section: the WebSocket servers, plus wirekit's send loop. */
export function broadcastSpecs(all: readonly ServerSpec[]): ServerSpec[] {
  const specs = all.filter((spec) => spec.websocket);
  const wirekit = specs.find((spec) => spec.label === WIREKIT_LABEL);
  if (wirekit !== undefined) {
    specs.splice(specs.indexOf(wirekit) + 1, 0, {
      ...wirekit,
      label: WIREKIT_LOOP_LABEL,
      env: { ...wirekit.env, WIREKIT_BROADCAST: 'loop' },
    });
  }
  return specs;
}

/** Run the broadcast cases against the WebSocket servers. */
export async function runBroadcastSection(
  config: RunConfig,
  all: readonly ServerSpec[],
  client: CLoadClient,
): Promise<BroadcastRow[]> {
  const { subscribers, rounds, warmupMs, durationMs, payloadBytes, window } = config.broadcast;
  const specs = broadcastSpecs(all);
  return withServers(specs, { cpu: config.serverCpu }, async (servers) => {
    const results = subscribers.map(() => servers.map(() => [] as CBroadcastResult[]));
    for (let round = 0; round < rounds; round++) {
      for (const [c, count] of subscribers.entries()) {
        for (const [s, server] of servers.entries()) {
          const result = await client.broadcast(
            {
              port: server.port,
              serverPid: server.pid,
              subscribers: count,
              payloadBytes,
              window,
              warmupMs,
              durationMs,
            },
            config.clientCpu,
          );
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
          p50Us: median(runs.map((r) => r.p50Us)),
          p99Us: median(runs.map((r) => r.p99Us)),
          serverCpuLoad: median(runs.map((r) => r.serverCpuLoad)),
          clientCpuLoad: median(runs.map((r) => r.clientCpuLoad)),
          runs,
        };
      }),
    );
  });
}

/** One table, grouped by subscriber count; ratios against uWebSockets.js and Bun. */
export function broadcastTable(rows: readonly BroadcastRow[]): string {
  return markdownTable(
    [
      'subscribers',
      'server',
      'deliveries/s',
      'server CPU µs/delivery',
      'p50 µs',
      'p99 µs',
      'server load',
      'client load',
      '× uWS',
      '× Bun',
    ],
    rows.map((r) => {
      const uws = rows.find((o) => o.subscribers === r.subscribers && o.label === UWS_LABEL);
      const bun = rows.find((o) => o.subscribers === r.subscribers && o.label === BUN_LABEL);
      return [
        String(r.subscribers),
        r.label,
        grouped(r.deliveriesPerSecond),
        fixed(r.serverCpuUsPerDelivery, 2),
        String(r.p50Us),
        String(r.p99Us),
        fixed(r.serverCpuLoad, 2),
        fixed(r.clientCpuLoad, 2),
        times(r.deliveriesPerSecond / (uws?.deliveriesPerSecond ?? Number.NaN)),
        times(r.deliveriesPerSecond / (bun?.deliveriesPerSecond ?? Number.NaN)),
      ];
    }),
  );
}
