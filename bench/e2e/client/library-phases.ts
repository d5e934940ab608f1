/**
 * The "web-socket-benchmark" phases (send, echo, recv of n × "Hello, World!", see
 * `servers/phase-script.ts`) driven through a client library instead of pre-encoded frames,
 * for the same-process section: the server and the client run in this process, so the wall
 * time and this process's CPU time are both sides' costs together.
 *
 * @example
 * ```ts
 * const client = await openLibraryClient('wirekit', `ws://127.0.0.1:${port}/phases?n=100000`);
 * const times = await runLibraryPhases(client, 100_000);
 * ```
 */
import { performance } from 'node:perf_hooks';
import { PHASE_ACK, PHASE_MESSAGE } from '../servers/phase-script.js';
import type { LibraryClient } from './library-client.js';

/** Wall and CPU milliseconds per phase. */
export interface LibraryPhaseTimes {
  readonly sendMs: number;
  readonly echoMs: number;
  readonly recvMs: number;
  readonly totalMs: number;
  /** CPU time of the whole process (server and client) per phase. */
  readonly sendCpuMs: number;
  readonly echoCpuMs: number;
  readonly recvCpuMs: number;
  readonly totalCpuMs: number;
}

const HELLO_BYTES = PHASE_MESSAGE.length;

function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** Time one phase: `start` sends, `onMessage` resolves the phase by returning true. */
async function phase(
  client: LibraryClient,
  start: () => void,
  onMessage: (bytes: number) => boolean,
): Promise<{ ms: number; cpuMs: number }> {
  const cpuStart = cpuMs();
  const wallStart = performance.now();
  await new Promise<void>((resolve) => {
    client.onMessage = (bytes) => {
      if (onMessage(bytes)) resolve();
    };
    start();
  });
  return { ms: performance.now() - wallStart, cpuMs: cpuMs() - cpuStart };
}

/** Run the three phases on a fresh `/phases?n=messages` connection. */
export async function runLibraryPhases(
  client: LibraryClient,
  messages: number,
): Promise<LibraryPhaseTimes> {
  const n = messages;
  const send = await phase(
    client,
    () => {
      for (let i = 0; i < n; i++) client.send(PHASE_MESSAGE);
    },
    (bytes) => expect(bytes, PHASE_ACK.length),
  );
  let echoed = 0;
  const echo = await phase(
    client,
    () => client.send(PHASE_MESSAGE),
    (bytes) => {
      expect(bytes, HELLO_BYTES);
      if (++echoed === n) return true;
      client.send(PHASE_MESSAGE);
      return false;
    },
  );
  let received = 0;
  const recv = await phase(
    client,
    () => client.send(PHASE_MESSAGE),
    (bytes) => expect(bytes, HELLO_BYTES) && ++received === n,
  );
  return {
    sendMs: send.ms,
    echoMs: echo.ms,
    recvMs: recv.ms,
    totalMs: send.ms + echo.ms + recv.ms,
    sendCpuMs: send.cpuMs,
    echoCpuMs: echo.cpuMs,
    recvCpuMs: recv.cpuMs,
    totalCpuMs: send.cpuMs + echo.cpuMs + recv.cpuMs,
  };
}

function expect(bytes: number, wanted: number): true {
  if (bytes !== wanted) throw new Error(`expected a message of ${wanted} bytes, got ${bytes}`);
  return true;
}
