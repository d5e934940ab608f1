/**
 * One run of the HTTP/2 benchmark's load client (`load-client.ts`) as a child process, pinned
 * to the client core, against a running server; resolves with its parsed result. A client that
 * fails, prints no result or outlives its deadline is an error (and is killed). Also the
 * medians of several runs.
 *
 * @example
 * ```ts
 * const result = await runLoad(server, { transport: 'h2', websockets: 1, sessions: 1,
 *   payloadBytes: 512, window: 1 }, { ca, cpu: 1, warmupMs: 1000, durationMs: 4000 });
 * ```
 */

import { spawnTracked } from '../../e2e/runner/child-processes.js';
import type { ServerProcess } from '../../e2e/runner/server-process.js';
import { median } from '../../e2e/runner/stats.js';
import type { Transport } from '../client/frame-channel.js';
import type { WindowedEchoResult } from '../client/windowed-echo.js';

/** What the client runs. */
export interface LoadShape {
  readonly transport: Transport;
  readonly websockets: number;
  /** HTTP/2 sessions the WebSockets are spread over. */
  readonly sessions: number;
  readonly payloadBytes: number;
  readonly window: number;
  /** The client's HTTP/2 receive windows (undefined: Node's defaults). */
  readonly initialWindowSize?: number | undefined;
  readonly sessionWindowSize?: number | undefined;
}

/** How the client runs. */
export interface LoadRunOptions {
  /** The server certificate's PEM file. */
  readonly ca: string;
  readonly cpu: number | undefined;
  readonly warmupMs: number;
  readonly durationMs: number;
}

const script = new URL('../load-client.js', import.meta.url).pathname;

/** Run the load client once against `server`. */
export function runLoad(
  server: ServerProcess,
  shape: LoadShape,
  options: LoadRunOptions,
): Promise<WindowedEchoResult> {
  const timeoutMs = options.warmupMs + options.durationMs + 60_000;
  const args = [
    script,
    '--transport',
    shape.transport,
    '--port',
    String(server.port),
    '--pid',
    String(server.pid),
    '--ca',
    options.ca,
    '--websockets',
    String(shape.websockets),
    '--sessions',
    String(shape.sessions),
    '--window',
    String(shape.window),
    '--payload',
    String(shape.payloadBytes),
    '--warmup-ms',
    String(options.warmupMs),
    '--duration-ms',
    String(options.durationMs),
    '--deadline-ms',
    String(timeoutMs),
  ];
  if (shape.initialWindowSize !== undefined)
    args.push('--initial-window', String(shape.initialWindowSize));
  if (shape.sessionWindowSize !== undefined)
    args.push('--session-window', String(shape.sessionWindowSize));
  const command =
    options.cpu === undefined
      ? [process.execPath, ...args]
      : ['taskset', '-c', String(options.cpu), process.execPath, ...args];
  const child = spawnTracked(command[0]!, command.slice(1));
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
  });
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }, timeoutMs + 5_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0) {
        reject(new Error(`load client ${shape.transport} failed (${code ?? signal}): ${stderr}`));
        return;
      }
      try {
        resolve(JSON.parse(last) as WindowedEchoResult);
      } catch {
        reject(new Error(`load client printed no result: ${stdout} ${stderr}`));
      }
    });
  });
}

/** Medians over runs of one configuration. */
export interface LoadSummary {
  readonly messagesPerSecond: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly serverCpuUsPerMessage: number;
  readonly serverCpuLoad: number;
  readonly clientCpuLoad: number;
  /** RSS at the end of the window (heap garbage of the load included). */
  readonly serverRssMiB: number;
  /** RSS with the WebSockets open and idle minus RSS before they opened. */
  readonly serverRssOpenGrowthMiB: number;
  readonly serverFds: number;
  readonly longestGapMs: number;
  readonly runs: readonly WindowedEchoResult[];
}

/** The medians of `runs`. */
export function summarize(runs: readonly WindowedEchoResult[]): LoadSummary {
  const of = (pick: (run: WindowedEchoResult) => number): number => median(runs.map(pick));
  return {
    messagesPerSecond: of((r) => r.messagesPerSecond),
    p50Us: of((r) => r.p50Us),
    p99Us: of((r) => r.p99Us),
    serverCpuUsPerMessage: of((r) => r.serverCpuUsPerMessage),
    serverCpuLoad: of((r) => r.serverCpuLoad),
    clientCpuLoad: of((r) => r.clientCpuLoad),
    serverRssMiB: of((r) => r.serverDuring.rssMiB),
    serverRssOpenGrowthMiB: of((r) => r.serverOpen.rssMiB - r.serverBefore.rssMiB),
    serverFds: of((r) => r.serverDuring.fds),
    longestGapMs: Math.max(...runs.map((r) => r.longestGapMs)),
    runs,
  };
}
