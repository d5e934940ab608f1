/**
 * Sequential round trips through a client library: send one text message, wait for its echo,
 * send the next; for the `wss://` section. Times the whole run and reads the server's CPU time
 * (`/proc/<pid>/stat`) and this process's over it.
 *
 * @example
 * ```ts
 * const result = await runLibraryRoundTrips(client, { messages: 100_000, payloadBytes: 77, serverPid });
 * result.usPerRoundTrip;
 * ```
 */
import { performance } from 'node:perf_hooks';
import { CpuSampler } from './cpu-sampler.js';
import type { LibraryClient } from './library-client.js';

/** What to run. */
export interface RoundTripOptions {
  readonly messages: number;
  readonly payloadBytes: number;
  readonly serverPid: number;
}

/** What one run measured. */
export interface RoundTripResult {
  readonly messages: number;
  readonly ms: number;
  readonly usPerRoundTrip: number;
  /** Server CPU per round trip (whole process, µs). */
  readonly serverCpuUsPerMessage: number;
  /** This client's CPU per round trip (µs). */
  readonly clientCpuUsPerMessage: number;
}

/** `messages` round trips of an ASCII text message of `payloadBytes`. */
export async function runLibraryRoundTrips(
  client: LibraryClient,
  options: RoundTripOptions,
): Promise<RoundTripResult> {
  const { messages, payloadBytes } = options;
  const text = 'x'.repeat(payloadBytes);
  const sampler = new CpuSampler(options.serverPid);
  const cpuStart = sampler.sample();
  const start = performance.now();
  await new Promise<void>((resolve, reject) => {
    let done = 0;
    client.onMessage = (bytes) => {
      if (bytes !== payloadBytes) reject(new Error(`echo of ${bytes} bytes`));
      else if (++done === messages) resolve();
      else client.send(text);
    };
    client.send(text);
  });
  const ms = performance.now() - start;
  const { serverMs, clientMs } = sampler.since(cpuStart);
  return {
    messages,
    ms,
    usPerRoundTrip: (ms * 1000) / messages,
    serverCpuUsPerMessage: (serverMs * 1000) / messages,
    clientCpuUsPerMessage: (clientMs * 1000) / messages,
  };
}
