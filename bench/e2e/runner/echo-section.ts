/**
 * Section 2: echo load, 100 and 500 connections × 512 B and 1 KiB, one message in flight per
 * connection, a fixed window after a warm-up. Every server runs every case once per round,
 * rounds interleaved; medians over rounds. Server CPU per echo comes from `/proc/<pid>/stat`
 * over the window.
 *
 * @example
 * ```ts
 * const tables = echoTables(await runEchoSection(config));
 * ```
 */
import type { EchoLoadResult } from '../client/echo-load-benchmark.js';
import { runClient } from './client-process.js';
import { fixed, grouped, markdownTable, times } from './markdown-table.js';
import type { EchoCase, RunConfig } from './run-config.js';
import type { ServerSpec } from './server-process.js';
import { UWS_LABEL, WS_LABEL } from './server-specs.js';
import { median } from './stats.js';
import { withServers } from './with-servers.js';

/** Medians of one server in one case. */
export interface EchoRow {
  readonly label: string;
  readonly messagesPerSecond: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly serverCpuUsPerMessage: number;
  readonly serverCpuLoad: number;
  readonly clientCpuLoad: number;
  readonly runs: readonly EchoLoadResult[];
}

/** One case's rows. */
export interface EchoCaseResult {
  readonly echoCase: EchoCase;
  readonly rows: readonly EchoRow[];
}

/** Run every echo case against every server. */
export async function runEchoSection(
  config: RunConfig,
  specs: readonly ServerSpec[],
): Promise<EchoCaseResult[]> {
  const { cases, rounds, warmupMs, durationMs } = config.echo;
  return withServers(specs, { cpu: config.serverCpu }, async (servers) => {
    const results = cases.map(() => servers.map(() => [] as EchoLoadResult[]));
    for (let round = 0; round < rounds; round++) {
      for (const [c, echoCase] of cases.entries()) {
        for (const [s, server] of servers.entries()) {
          const args = [
            '--mode',
            'echo',
            '--port',
            String(server.port),
            '--pid',
            String(server.pid),
          ];
          args.push('--connections', String(echoCase.connections));
          args.push('--payload', String(echoCase.payloadBytes));
          args.push('--warmup-ms', String(warmupMs), '--duration-ms', String(durationMs));
          if (!server.spec.websocket) args.push('--tcp');
          const result = (await runClient(args, {
            cpu: config.clientCpu,
            timeoutMs: warmupMs + durationMs + 60_000,
          })) as EchoLoadResult;
          results[c]![s]!.push(result);
          process.stderr.write(
            `  echo ${echoCase.connections}×${echoCase.payloadBytes} ${server.spec.label}: ` +
              `${grouped(result.messagesPerSecond)} msg/s\n`,
          );
        }
      }
    }
    return cases.map((echoCase, c) => ({
      echoCase,
      rows: servers.map((server, s) => {
        const runs = results[c]![s]!;
        return {
          label: server.spec.label,
          messagesPerSecond: median(runs.map((r) => r.messagesPerSecond)),
          p50Us: median(runs.map((r) => r.p50Us)),
          p99Us: median(runs.map((r) => r.p99Us)),
          serverCpuUsPerMessage: median(runs.map((r) => r.serverCpuUsPerMessage)),
          serverCpuLoad: median(runs.map((r) => r.serverCpuLoad)),
          clientCpuLoad: median(runs.map((r) => r.clientCpuLoad)),
          runs,
        };
      }),
    }));
  });
}

/** One table per case. */
export function echoTables(results: readonly EchoCaseResult[]): string {
  return results
    .map(({ echoCase, rows }) => {
      const ws = rows.find((r) => r.label === WS_LABEL);
      const uws = rows.find((r) => r.label === UWS_LABEL);
      const title = `**${echoCase.connections} connections × ${echoCase.payloadBytes} B**`;
      const table = markdownTable(
        [
          'server',
          'msg/s',
          'p50 µs',
          'p99 µs',
          'server CPU µs/msg',
          'server load',
          'client load',
          '× ws',
          '× uWS',
        ],
        rows.map((r) => [
          r.label,
          grouped(r.messagesPerSecond),
          grouped(r.p50Us),
          grouped(r.p99Us),
          fixed(r.serverCpuUsPerMessage, 1),
          fixed(r.serverCpuLoad, 2),
          fixed(r.clientCpuLoad, 2),
          times(r.messagesPerSecond / (ws?.messagesPerSecond ?? Number.NaN)),
          times(r.messagesPerSecond / (uws?.messagesPerSecond ?? Number.NaN)),
        ]),
      );
      return `${title}\n\n${table}`;
    })
    .join('\n\n');
}
