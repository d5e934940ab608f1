/**
 * Broadcast: one publisher connection and many subscribers; the server sends every published
 * message to every subscriber. The publisher writes bursts of `burst` messages (one write) and
 * keeps at most `inFlight` messages not yet delivered to every subscriber, so the server always
 * has work and never buffers without bound. Reports deliveries (message × subscriber) per
 * second and the server's CPU per delivery.
 *
 * A message counts as delivered to everyone when the slowest subscriber has it: each
 * subscriber receives in order, so "subscribers that have message k" is a counter per k in a
 * ring, and the k-th message completes when its counter reaches the subscriber count.
 *
 * @example
 * ```ts
 * const result = await runBroadcast({ port, serverPid, subscribers: 100, payloadBytes: 32,
 *   burst: 16, inFlight: 256, warmupMs: 1000, durationMs: 5000 });
 * ```
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CpuSampler } from './cpu-sampler.js';
import { maskedFrame, Opcode, repeatFrame } from './masked-frame.js';
import { MeasurementWindow } from './measurement-window.js';
import { openConnections } from './open-connections.js';
import type { RawConnection } from './raw-connection.js';

/** What to run. */
export interface BroadcastOptions {
  readonly port: number;
  readonly serverPid: number;
  readonly subscribers: number;
  readonly payloadBytes: number;
  /** Messages per publisher write. */
  readonly burst: number;
  /** Messages published but not yet delivered to every subscriber, at most. */
  readonly inFlight: number;
  readonly warmupMs: number;
  readonly durationMs: number;
}

/** What one run measured. */
export interface BroadcastResult {
  readonly deliveriesPerSecond: number;
  readonly perSecond: readonly number[];
  /** Server CPU per delivery in the window (µs). */
  readonly serverCpuUsPerDelivery: number;
  readonly serverCpuLoad: number;
  readonly clientCpuLoad: number;
  /** Every delivery of the run, warm-up included (to divide strace's counts by). */
  readonly totalDeliveries: number;
}

const RING = 1 << 16;

/** One broadcast run. */
export async function runBroadcast(options: BroadcastOptions): Promise<BroadcastResult> {
  if (options.inFlight >= RING) throw new RangeError('inFlight too large');
  const burstFrames = repeatFrame(
    maskedFrame(randomBytes(options.payloadBytes), Opcode.BINARY),
    options.burst,
  );
  const window = new MeasurementWindow(new CpuSampler(options.serverPid));
  const ring = new Uint32Array(RING);
  const subscriberCount = options.subscribers;
  let published = 0;
  let completed = 0;
  let total = 0;
  let inWindow = 0;
  let stopping = false;
  let publisher: RawConnection | undefined;

  const publish = (): void => {
    while (!stopping && published + options.burst <= completed + options.inFlight) {
      publisher!.write(burstFrames);
      published += options.burst;
    }
  };
  const onDelivery = (subscriber: RawConnection, _opcode: number, length: number): void => {
    if (length !== options.payloadBytes) throw new Error(`delivery of ${length} bytes`);
    total++;
    if (window.open) inWindow++;
    const k = subscriber.received++;
    const slot = k & (RING - 1);
    if (++ring[slot]! === subscriberCount) {
      ring[slot] = 0;
      completed = k + 1;
      publish();
    }
  };

  const subscribers = await openConnections(subscriberCount, {
    port: options.port,
    path: '/sub',
    handshake: true,
    onFrame: onDelivery,
  });
  try {
    [publisher] = await openConnections(1, {
      port: options.port,
      path: '/pub',
      handshake: true,
      onFrame: (_connection, opcode) => {
        throw new Error(`the publisher got a frame (opcode ${opcode})`);
      },
    });
    await sleep(50); // every subscriber's open callback has run
    publish();
    await window.run(options.warmupMs, options.durationMs, () => inWindow);
    stopping = true;
    await sleep(100);
    const { serverMs, clientMs } = window.cpu;
    return {
      deliveriesPerSecond: inWindow / window.seconds,
      perSecond: window.perSecond,
      serverCpuUsPerDelivery: (serverMs * 1000) / inWindow,
      serverCpuLoad: serverMs / 1000 / window.seconds,
      clientCpuLoad: clientMs / 1000 / window.seconds,
      totalDeliveries: total,
    };
  } finally {
    publisher?.destroy();
    for (const subscriber of subscribers) subscriber.destroy();
  }
}
