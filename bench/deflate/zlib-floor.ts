/**
 * The zlib floor of an echo: what one round trip costs a server in zlib alone — inflate the
 * client's message and compress the echo, with context takeover (as "dedicated" and ws),
 * measured in process with wirekit's codec on a hot loop (process CPU time, median of 5
 * batches). No library can go below it on the server, so it bounds every throughput ratio
 * where zlib dominates: with W µs of zlib per message, a server spending W + a µs against one
 * spending W + b µs can be at most (W + b) ÷ (W + a) times faster.
 *
 * @example
 * ```ts
 * zlibFloorUs(16384, 6); // ≈ 700 µs here
 * ```
 */

import { createCompression } from '../../src/node/zlib-codec.js';
import { median } from '../e2e/runner/stats.js';
import { jsonMessages } from './json-messages.js';

const TAKEOVER = {
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
} as const;

/** CPU µs per (inflate + compress) of `size`-byte JSON messages at `level`. */
export function zlibFloorUs(size: number, level: number): number {
  const messages = jsonMessages(size, 64).map((text) => Buffer.from(text));
  const client = createCompression(TAKEOVER, 'client', { level });
  const server = createCompression(TAKEOVER, 'server', { level });
  // What the client sends: compressed once, outside the timed part, in stream order.
  const batch = Math.max(200, Math.round(4_000_000 / size));
  const wire = Array.from({ length: batch }, (_, i) =>
    Buffer.from(client.deflater.compress(messages[i % messages.length]!)),
  );
  const times: number[] = [];
  for (let round = 0; round < 6; round++) {
    // Each round replays the same client stream into a fresh server inflater.
    const fresh = createCompression(TAKEOVER, 'server', { level });
    const start = process.cpuUsage();
    for (let i = 0; i < batch; i++) {
      const plain = fresh.inflater.inflate(wire[i]!, 1 << 24);
      if (!(plain instanceof Uint8Array)) throw new Error('inflate failed');
      server.deflater.compress(plain);
    }
    const used = process.cpuUsage(start);
    fresh.close();
    if (round > 0) times.push((used.user + used.system) / batch);
  }
  client.close();
  server.close();
  return median(times);
}
