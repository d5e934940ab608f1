/**
 * Echo load: many connections, each with exactly one message in flight (send, wait for the
 * echo, send again), for a fixed time after a warm-up. Reports messages per second, round-trip
 * latency percentiles and the server's and client's CPU time per message.
 *
 * @example
 * ```ts
 * const result = await runEchoLoad({ port, serverPid, connections: 100, payloadBytes: 512,
 *   warmupMs: 1000, durationMs: 5000, websocket: true });
 * ```
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { CpuSampler } from './cpu-sampler.js';
import { LatencyHistogram } from './latency-histogram.js';
import { maskedFrame, Opcode } from './masked-frame.js';
import { MeasurementWindow } from './measurement-window.js';
import { openConnections } from './open-connections.js';
import type { RawConnection } from './raw-connection.js';

/** What to run. */
export interface EchoLoadOptions {
  readonly port: number;
  readonly serverPid: number;
  readonly connections: number;
  readonly payloadBytes: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** false: the raw TCP echo server (no handshake). */
  readonly websocket: boolean;
}

/** What one run measured. */
export interface EchoLoadResult {
  /** Echoes completed in the window, per second. */
  readonly messagesPerSecond: number;
  /** Echoes in each whole second of the window. */
  readonly perSecond: readonly number[];
  readonly p50Us: number;
  readonly p99Us: number;
  /** Server CPU per echo in the window (µs). */
  readonly serverCpuUsPerMessage: number;
  /** Server CPU use in the window (1 = one core). */
  readonly serverCpuLoad: number;
  /** Client CPU use in the window (1 = one core): near 1 means the client was the limit. */
  readonly clientCpuLoad: number;
  /** Every echo of the run, warm-up included (to divide strace's whole-run counts by). */
  readonly totalMessages: number;
}

/** One echo-load run. */
export async function runEchoLoad(options: EchoLoadOptions): Promise<EchoLoadResult> {
  const frame = maskedFrame(randomBytes(options.payloadBytes), Opcode.BINARY);
  const histogram = new LatencyHistogram();
  const window = new MeasurementWindow(new CpuSampler(options.serverPid));
  let total = 0;
  let inWindow = 0;
  let stopping = false;
  const onFrame = (connection: RawConnection, _opcode: number, length: number): void => {
    const now = performance.now();
    if (length !== options.payloadBytes) throw new Error(`echo of ${length} bytes`);
    total++;
    if (window.open) {
      histogram.record(now - connection.sentAt);
      inWindow++;
    }
    if (stopping) return;
    connection.sentAt = now;
    connection.write(frame);
  };
  const connections = await openConnections(options.connections, {
    port: options.port,
    path: '/echo',
    handshake: options.websocket,
    onFrame,
  });
  try {
    const start = performance.now();
    for (const connection of connections) {
      connection.sentAt = start;
      connection.write(frame);
    }
    await window.run(options.warmupMs, options.durationMs, () => inWindow);
    stopping = true;
    await sleep(100); // let the last round trips land
    const { serverMs, clientMs } = window.cpu;
    return {
      messagesPerSecond: inWindow / window.seconds,
      perSecond: window.perSecond,
      p50Us: histogram.percentile(0.5),
      p99Us: histogram.percentile(0.99),
      serverCpuUsPerMessage: (serverMs * 1000) / inWindow,
      serverCpuLoad: serverMs / 1000 / window.seconds,
      clientCpuLoad: clientMs / 1000 / window.seconds,
      totalMessages: total,
    };
  } finally {
    for (const connection of connections) connection.destroy();
  }
}
