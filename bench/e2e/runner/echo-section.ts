/**
 * Section 2: echo load, 100 and 500 connections × 512 B and 1 KiB, one message in flight per
 * connection, a fixed window after a warm-up, driven by the C client (`c-load-client.ts`)
 * pinned to its own core. Runs alternate: each round runs every case once against every
 * server in turn, so no server gets its runs back to back; medians over rounds. Server CPU
 * per echo comes from `/proc/<pid>/stat` over the window, read by the client.
 *
 * @example
 * ```ts
 * const client = CLoadClient.compile(workDir);
 * const tables = echoTables(await runEchoSection(config, specs, client));
 * ```
 */
import { type CEchoResult, CLIENT_SATURATED, type CLoadClient } from './c-load-client.js';
import { fixed, grouped, markdownTable, times } from './markdown-table.js';
import type { EchoCase, RunConfig } from './run-config.js';
import type { ServerSpec } from './server-process.js';
import { BUN_LABEL, ECHO_LABELS, specsIn, UWS_LABEL } from './server-specs.js';
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
  /** Runs in which the client used more than 90 % of its core. */
  readonly clientSaturatedRuns: number;
  /** Errors summed over the runs. */
  readonly errors: number;
  readonly runs: readonly CEchoResult[];
}

/** One case's rows. */
export interface EchoCaseResult {
  readonly echoCase: EchoCase;
  readonly rows: readonly EchoRow[];
}

/** Run every echo case against the echo servers among `specs`. */
export async function runEchoSection(
  config: RunConfig,
  specs: readonly ServerSpec[],
  client: CLoadClient,
): Promise<EchoCaseResult[]> {
  const { cases, rounds, warmupMs, durationMs } = config.echo;
  return withServers(specsIn(specs, ECHO_LABELS), { cpu: config.serverCpu }, async (servers) => {
    const results = cases.map(() => servers.map(() => [] as CEchoResult[]));
    for (let round = 0; round < rounds; round++) {
      for (const [c, echoCase] of cases.entries()) {
        for (const [s, server] of servers.entries()) {
          const result = await client.run(
            {
              port: server.port,
              serverPid: server.pid,
              connections: echoCase.connections,
              payloadBytes: echoCase.payloadBytes,
              warmupMs,
              durationMs,
              websocket: server.spec.websocket,
            },
            config.clientCpu,
          );
          results[c]![s]!.push(result);
          process.stderr.write(
            `  echo ${echoCase.connections}×${echoCase.payloadBytes} ${server.spec.label}: ` +
              `${grouped(result.messagesPerSecond)} msg/s, server ${fixed(result.serverCpuUsPerMessage, 1)} µs/msg, ` +
              `client load ${fixed(result.clientCpuLoad, 2)}` +
              `${result.errors > 0 ? `, ${result.errors} errors (${result.firstError})` : ''}\n`,
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
          clientSaturatedRuns: runs.filter((r) => r.clientCpuLoad > CLIENT_SATURATED).length,
          errors: runs.reduce((sum, r) => sum + r.errors, 0),
          runs,
        };
      }),
    }));
  });
}

function caseName(echoCase: EchoCase): string {
  const size =
    echoCase.payloadBytes % 1024 === 0
      ? `${echoCase.payloadBytes / 1024} KiB`
      : `${echoCase.payloadBytes} B`;
  return `${echoCase.connections} × ${size}`;
}

/** "yes (2/3)" when some runs had the client above 90 % of its core. */
function saturation(row: EchoRow): string {
  const n = row.runs.length;
  if (row.clientSaturatedRuns === 0) return 'no';
  return `**yes** (${row.clientSaturatedRuns}/${n})`;
}

/**
 * The outside measurement's layout: one row per case, one column per server, server CPU µs
 * per echo with msg/s in parentheses.
 */
export function echoSummaryTable(results: readonly EchoCaseResult[]): string {
  const labels = results[0]?.rows.map((r) => r.label) ?? [];
  return markdownTable(
    ['echo, server CPU µs/msg (msg/s)', ...labels],
    results.map(({ echoCase, rows }) => [
      caseName(echoCase),
      ...labels.map((label) => {
        const row = rows.find((r) => r.label === label);
        if (row === undefined) return '—';
        const rate = `${fixed(row.messagesPerSecond / 1000, 0)}k`;
        const mark = row.clientSaturatedRuns > 0 ? ' †' : '';
        return `${fixed(row.serverCpuUsPerMessage, 1)} (${rate})${mark}`;
      }),
    ]),
  );
}

/**
 * One table per case. The ratios compare server CPU per echo: how many times less CPU than
 * uWebSockets.js (or Bun) the server spends on one echo; above 1 is cheaper.
 */
export function echoTables(results: readonly EchoCaseResult[]): string {
  return results
    .map(({ echoCase, rows }) => {
      const uws = rows.find((r) => r.label === UWS_LABEL);
      const bun = rows.find((r) => r.label === BUN_LABEL);
      const errors = rows.some((r) => r.errors > 0);
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
          'client saturated',
          'CPU × uWS',
          'CPU × Bun',
          ...(errors ? ['errors'] : []),
        ],
        rows.map((r) => [
          r.label,
          grouped(r.messagesPerSecond),
          grouped(r.p50Us),
          grouped(r.p99Us),
          fixed(r.serverCpuUsPerMessage, 1),
          fixed(r.serverCpuLoad, 2),
          fixed(r.clientCpuLoad, 2),
          saturation(r),
          times((uws?.serverCpuUsPerMessage ?? Number.NaN) / r.serverCpuUsPerMessage),
          times((bun?.serverCpuUsPerMessage ?? Number.NaN) / r.serverCpuUsPerMessage),
          ...(errors ? [String(r.errors)] : []),
        ]),
      );
      return `${title}\n\n${table}`;
    })
    .join('\n\n');
}
