/**
 * "web-socket-benchmark" over one connection, timed at the client (see
 * `servers/phase-script.ts` for the server's side):
 * - send: n × "Hello, World!" written at once; stops when the server says it counted them all;
 * - echo: n sequential round trips, one message in flight;
 * - recv: one trigger message, then n messages from the server; stops at the n-th.
 * Against the raw TCP echo (no WebSocket server), only the echo phase runs.
 *
 * @example
 * ```ts
 * const times = await runPhases({ port, messages: 100_000, websocket: true, serverPid: 0 });
 * times.totalMs;
 * ```
 */
import { performance } from 'node:perf_hooks';
import { PHASE_MESSAGE } from '../servers/phase-script.js';
import { MainThreadCpu } from './main-thread-cpu.js';
import { maskedFrame, Opcode, repeatFrame } from './masked-frame.js';
import { RawConnection } from './raw-connection.js';

/** What to run. */
export interface PhasesOptions {
  readonly port: number;
  readonly messages: number;
  /** false: the raw TCP echo; only the echo phase. */
  readonly websocket: boolean;
  /** The server's pid, to read its main-thread CPU time per phase (0: not measured). */
  readonly serverPid: number;
}

/** Milliseconds per phase (NaN for a phase that did not run). */
export interface PhaseTimes {
  readonly sendMs: number;
  readonly echoMs: number;
  readonly recvMs: number;
  readonly totalMs: number;
  /** Server main-thread CPU ms per phase (NaN when not measured or not run). */
  readonly sendCpuMs: number;
  readonly echoCpuMs: number;
  readonly recvCpuMs: number;
}

const hello = maskedFrame(Buffer.from(PHASE_MESSAGE), Opcode.TEXT);
const HELLO_LENGTH = Buffer.byteLength(PHASE_MESSAGE);

/** Run the phases once on a new connection. */
export async function runPhases(options: PhasesOptions): Promise<PhaseTimes> {
  const n = options.messages;
  const burst = repeatFrame(hello, n);
  let onFrame: (opcode: number, length: number) => void = unexpectedFrame;
  const connection = await RawConnection.open({
    port: options.port,
    path: `/phases?n=${n}`,
    handshake: options.websocket,
    onFrame: (_connection, opcode, length) => onFrame(opcode, length),
  });
  const cpu = new MainThreadCpu(options.serverPid);
  try {
    let sendMs = Number.NaN;
    let sendCpuMs = Number.NaN;
    if (options.websocket) {
      const cpuStart = cpu.ns();
      const start = performance.now();
      await new Promise<void>((resolve) => {
        onFrame = (opcode, length) => {
          if (opcode !== Opcode.TEXT || length !== 2) unexpectedFrame(opcode, length);
          resolve();
        };
        connection.write(burst);
      });
      sendMs = performance.now() - start;
      sendCpuMs = (cpu.ns() - cpuStart) / 1e6;
    }

    const echoCpuStart = cpu.ns();
    const echoStart = performance.now();
    await new Promise<void>((resolve) => {
      let echoed = 0;
      onFrame = (opcode, length) => {
        if (length !== HELLO_LENGTH) unexpectedFrame(opcode, length);
        if (++echoed === n) resolve();
        else connection.write(hello);
      };
      connection.write(hello);
    });
    const echoMs = performance.now() - echoStart;
    const echoCpuMs = (cpu.ns() - echoCpuStart) / 1e6;

    let recvMs = Number.NaN;
    let recvCpuMs = Number.NaN;
    if (options.websocket) {
      const cpuStart = cpu.ns();
      const start = performance.now();
      await new Promise<void>((resolve) => {
        let received = 0;
        onFrame = (opcode, length) => {
          if (opcode !== Opcode.TEXT || length !== HELLO_LENGTH) unexpectedFrame(opcode, length);
          if (++received === n) resolve();
        };
        connection.write(hello);
      });
      recvMs = performance.now() - start;
      recvCpuMs = (cpu.ns() - cpuStart) / 1e6;
    }
    const totalMs = (options.websocket ? sendMs + recvMs : 0) + echoMs;
    return { sendMs, echoMs, recvMs, totalMs, sendCpuMs, echoCpuMs, recvCpuMs };
  } finally {
    connection.destroy();
  }
}

function unexpectedFrame(opcode: number, length: number): never {
  throw new Error(`unexpected frame: opcode ${opcode}, ${length} bytes`);
}
