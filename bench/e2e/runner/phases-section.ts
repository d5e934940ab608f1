/**
 * Section 1: "web-socket-benchmark" phases over one connection (send, echo, recv of 100,000 ×
 * "Hello, World!"), one run per server per round, rounds interleaved across servers so that
 * machine noise spreads over all of them; medians per phase and of the totals.
 *
 * @example
 * ```ts
 * const rows = await runPhasesSection(config);
 * console.log(phasesTable(rows));
 * ```
 */
import type { PhaseTimes } from '../client/phases-benchmark.js';
import { runClient } from './client-process.js';
import { fixed, markdownTable, times } from './markdown-table.js';
import type { RunConfig } from './run-config.js';
import type { ServerSpec } from './server-process.js';
import { UWS_LABEL, WS_LABEL } from './server-specs.js';
import { median } from './stats.js';
import { withServers } from './with-servers.js';

/** Medians of one server's runs. */
export interface PhasesRow {
  readonly label: string;
  readonly messages: number;
  readonly websocket: boolean;
  readonly sendMs: number;
  readonly echoMs: number;
  readonly recvMs: number;
  readonly totalMs: number;
  /** Server main-thread CPU ms per phase and in all. */
  readonly sendCpuMs: number;
  readonly echoCpuMs: number;
  readonly recvCpuMs: number;
  readonly totalCpuMs: number;
  readonly runs: readonly PhaseTimes[];
}

/** Run the phases against every server. */
export async function runPhasesSection(
  config: RunConfig,
  specs: readonly ServerSpec[],
): Promise<PhasesRow[]> {
  const { messages, runs } = config.phases;
  return withServers(specs, { cpu: config.serverCpu }, async (servers) => {
    const results = servers.map(() => [] as PhaseTimes[]);
    for (let round = 0; round < runs; round++) {
      for (const [i, server] of servers.entries()) {
        const args = [
          '--mode',
          'phases',
          '--port',
          String(server.port),
          '--pid',
          String(server.pid),
        ];
        args.push('--messages', String(messages), '--runs', '1');
        if (!server.spec.websocket) args.push('--tcp');
        const result = (await runClient(args, { cpu: config.clientCpu, timeoutMs: 300_000 })) as {
          runs: PhaseTimes[];
        };
        results[i]!.push(...result.runs);
        process.stderr.write(
          `  phases ${server.spec.label}: ${fixed(result.runs[0]!.totalMs, 0)} ms\n`,
        );
      }
    }
    return servers.map((server, i) => {
      const list = results[i]!;
      const websocket = server.spec.websocket;
      return {
        label: server.spec.label,
        messages,
        websocket,
        sendMs: median(list.map((r) => r.sendMs ?? Number.NaN)),
        echoMs: median(list.map((r) => r.echoMs)),
        recvMs: median(list.map((r) => r.recvMs ?? Number.NaN)),
        totalMs: websocket ? median(list.map((r) => r.totalMs)) : Number.NaN,
        sendCpuMs: median(list.map((r) => r.sendCpuMs ?? Number.NaN)),
        echoCpuMs: median(list.map((r) => r.echoCpuMs)),
        recvCpuMs: median(list.map((r) => r.recvCpuMs ?? Number.NaN)),
        totalCpuMs: websocket
          ? median(list.map((r) => r.sendCpuMs + r.echoCpuMs + r.recvCpuMs))
          : Number.NaN,
        runs: list,
      };
    });
  });
}

/** Server main-thread CPU per phase: what the server spent, whatever else ran meanwhile. */
export function phasesCpuTable(rows: readonly PhasesRow[]): string {
  const ws = rows.find((r) => r.label === WS_LABEL);
  const uws = rows.find((r) => r.label === UWS_LABEL);
  return markdownTable(
    [
      'server',
      'send CPU ms',
      'echo CPU ms',
      'recv CPU ms',
      'total CPU ms',
      'µs/echo',
      'total: × ws',
      'total: × uWS',
    ],
    rows.map((r) => [
      r.label,
      fixed(r.sendCpuMs, 1),
      fixed(r.echoCpuMs, 1),
      fixed(r.recvCpuMs, 1),
      fixed(r.totalCpuMs, 1),
      fixed((r.echoCpuMs * 1000) / r.messages, 2),
      times((ws?.totalCpuMs ?? Number.NaN) / r.totalCpuMs),
      times((uws?.totalCpuMs ?? Number.NaN) / r.totalCpuMs),
    ]),
  );
}

/** The section's table: ms per phase, and how many times faster than ws and than uWS. */
export function phasesTable(rows: readonly PhasesRow[]): string {
  const ws = rows.find((r) => r.label === WS_LABEL);
  const uws = rows.find((r) => r.label === UWS_LABEL);
  return markdownTable(
    [
      'server',
      'send ms',
      'echo ms',
      'recv ms',
      'total ms',
      'total: × ws',
      'total: × uWS',
      'recv: × uWS',
    ],
    rows.map((r) => [
      r.label,
      fixed(r.sendMs, 1),
      fixed(r.echoMs, 1),
      fixed(r.recvMs, 1),
      fixed(r.totalMs, 1),
      times((ws?.totalMs ?? Number.NaN) / r.totalMs),
      times((uws?.totalMs ?? Number.NaN) / r.totalMs),
      times((uws?.recvMs ?? Number.NaN) / r.recvMs),
    ]),
  );
}
