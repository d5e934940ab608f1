/**
 * Echo load with a window: each WebSocket keeps `window` messages in flight (1 = send, wait for
 * the echo, send again), over HTTP/1.1 TLS connections or streams of HTTP/2 sessions, for a
 * fixed time after a warm-up. Echoes come back in order, so each WebSocket's send times are a
 * ring and a message's round trip is read off its head. All echoes found in one received chunk
 * are answered with one write of as many pre-encoded frames, so the client writes about as
 * often as the server does.
 *
 * Reports messages per second, round-trip percentiles, the server's CPU per message and load,
 * the client's load, and the server's RSS and open descriptors while the WebSockets are open.
 *
 * @example
 * ```ts
 * const result = await runWindowedEcho({ transport: 'h2', port, serverPid, ca, websockets: 100,
 *   sessions: 1, window: 1, payloadBytes: 512, warmupMs: 1000, durationMs: 4000 });
 * ```
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { CpuSampler } from '../../e2e/client/cpu-sampler.js';
import { FrameScanner } from '../../e2e/client/frame-scanner.js';
import { LatencyHistogram } from '../../e2e/client/latency-histogram.js';
import { maskedFrame, Opcode, repeatFrame } from '../../e2e/client/masked-frame.js';
import { MeasurementWindow } from '../../e2e/client/measurement-window.js';
import { type ChunkCallback, type FrameChannel, failLoudly, Transport } from './frame-channel.js';
import { H2WebSocketSession } from './h2-websocket-session.js';
import { type Footprint, processFootprint } from './process-footprint.js';
import { openTlsWebSocket } from './tls-websocket.js';

/** What to run. */
export interface WindowedEchoOptions {
  readonly transport: Transport;
  readonly port: number;
  readonly serverPid: number;
  /** The server's certificate (PEM). */
  readonly ca: string;
  /** WebSockets in all. */
  readonly websockets: number;
  /** HTTP/2: sessions the WebSockets are spread over (1 = all streams of one session). */
  readonly sessions: number;
  /** Messages in flight per WebSocket. */
  readonly window: number;
  readonly payloadBytes: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** HTTP/2: the client's SETTINGS_INITIAL_WINDOW_SIZE and session window. */
  readonly initialWindowSize?: number | undefined;
  readonly sessionWindowSize?: number | undefined;
}

/** What one run measured. */
export interface WindowedEchoResult {
  readonly messagesPerSecond: number;
  readonly perSecond: readonly number[];
  readonly p50Us: number;
  readonly p99Us: number;
  readonly serverCpuUsPerMessage: number;
  /** Server CPU use in the window (1 = one core busy). */
  readonly serverCpuLoad: number;
  /** Client CPU use in the window: near 1 means the client set the pace. */
  readonly clientCpuLoad: number;
  /** The server before the WebSockets opened, once they are open (no message sent yet), and
   * at the end of the window. */
  readonly serverBefore: Footprint;
  readonly serverOpen: Footprint;
  readonly serverDuring: Footprint;
  /** Echoes in the measured window. */
  readonly messages: number;
  /** The longest time in the window without any echo arriving (a stall shows up here). */
  readonly longestGapMs: number;
}

/** Per-WebSocket state. */
interface Peer {
  channel: FrameChannel | undefined;
  readonly sentAt: Float64Array;
  head: number;
  tail: number;
}

/** One run. */
export async function runWindowedEcho(options: WindowedEchoOptions): Promise<WindowedEchoResult> {
  const { window: inFlight, payloadBytes } = options;
  const frame = maskedFrame(randomBytes(payloadBytes), Opcode.BINARY);
  // batches[k]: k frames back to back, one write for k echoes found in one chunk.
  const batches: Buffer[] = [];
  for (let k = 0; k <= inFlight; k++) batches.push(repeatFrame(frame, k));
  const histogram = new LatencyHistogram();
  const serverBefore = processFootprint(options.serverPid);
  const sampler = new CpuSampler(options.serverPid);
  const measurement = new MeasurementWindow(sampler);
  let inWindow = 0;
  let stopping = false;
  let lastChunkAt = 0;
  let longestGap = 0;

  // The frame callback of the scanner being pushed: counts echoes and reads their round trip.
  let current: Peer | undefined;
  let found = 0;
  let foundAt = 0;
  const onFrame = (_opcode: number, length: number): void => {
    if (length !== payloadBytes) failLoudly(`echo of ${length} bytes, sent ${payloadBytes}`);
    const peer = current!;
    const sent = peer.sentAt[peer.head]!;
    peer.head = peer.head + 1 === inFlight ? 0 : peer.head + 1;
    found++;
    if (measurement.open) {
      histogram.record(foundAt - sent);
      inWindow++;
    }
  };
  const send = (peer: Peer, count: number, now: number): void => {
    for (let i = 0; i < count; i++) {
      peer.sentAt[peer.tail] = now;
      peer.tail = peer.tail + 1 === inFlight ? 0 : peer.tail + 1;
    }
    peer.channel!.write(batches[count]!);
  };
  const receiverOf = (peer: Peer): ChunkCallback => {
    const scanner = new FrameScanner(onFrame);
    return (chunk) => {
      current = peer;
      found = 0;
      foundAt = performance.now();
      if (measurement.open) {
        if (lastChunkAt > 0 && foundAt - lastChunkAt > longestGap)
          longestGap = foundAt - lastChunkAt;
        lastChunkAt = foundAt;
      }
      scanner.push(chunk);
      if (found > 0 && !stopping) send(peer, found, foundAt);
    };
  };

  const peers: Peer[] = Array.from({ length: options.websockets }, () => ({
    channel: undefined,
    sentAt: new Float64Array(inFlight),
    head: 0,
    tail: 0,
  }));
  const sessions: H2WebSocketSession[] = [];
  try {
    await openChannels(options, peers, sessions, receiverOf);
    await sleep(200); // let the server finish its side of the last handshakes
    const serverOpen = processFootprint(options.serverPid);
    const start = performance.now();
    for (const peer of peers) send(peer, inFlight, start);
    const windowStart = performance.now() + options.warmupMs;
    await measurement.run(options.warmupMs, options.durationMs, () => inWindow);
    // A stall that lasts to the end of the window (or the whole window) counts too.
    longestGap = Math.max(longestGap, performance.now() - (lastChunkAt || windowStart));
    const serverDuring = processFootprint(options.serverPid);
    stopping = true;
    await sleep(100); // let the last round trips land
    const { serverMs, clientMs } = measurement.cpu;
    return {
      messagesPerSecond: inWindow / measurement.seconds,
      perSecond: measurement.perSecond,
      p50Us: histogram.percentile(0.5),
      p99Us: histogram.percentile(0.99),
      serverCpuUsPerMessage: (serverMs * 1000) / inWindow,
      serverCpuLoad: serverMs / 1000 / measurement.seconds,
      clientCpuLoad: clientMs / 1000 / measurement.seconds,
      serverBefore,
      serverOpen,
      serverDuring,
      messages: inWindow,
      longestGapMs: longestGap,
    };
  } finally {
    for (const peer of peers) peer.channel?.destroy();
    for (const session of sessions) session.destroy();
  }
}

/** Open every WebSocket, at most 50 handshakes at a time (the accept backlog stays short). */
async function openChannels(
  options: WindowedEchoOptions,
  peers: readonly Peer[],
  sessions: H2WebSocketSession[],
  receiverOf: (peer: Peer) => ChunkCallback,
): Promise<void> {
  const { port, ca } = options;
  if (options.transport === Transport.HTTP2_TLS) {
    for (let i = 0; i < options.sessions; i++) {
      sessions.push(
        await H2WebSocketSession.open({
          port,
          ca,
          initialWindowSize: options.initialWindowSize,
          sessionWindowSize: options.sessionWindowSize,
        }),
      );
    }
  }
  const AT_ONCE = 50;
  for (let first = 0; first < peers.length; first += AT_ONCE) {
    const batch = peers.slice(first, first + AT_ONCE).map(async (peer, offset) => {
      const onChunk = receiverOf(peer);
      peer.channel =
        options.transport === Transport.HTTP2_TLS
          ? await sessions[(first + offset) % sessions.length]!.openWebSocket('/echo', onChunk)
          : await openTlsWebSocket({ port, ca, path: '/echo', onChunk });
    });
    await Promise.all(batch);
  }
}
