/**
 * One measurement of one server: start it, read its memory after a full GC while it only
 * listens, again once the raw client holds N idle WebSocket connections (or bare sockets, for
 * the `net` floor), and again once each connection has exchanged one 77-byte message each way.
 * Both processes are stopped whatever happens.
 *
 * @example
 * ```ts
 * const run = await measureSubject(subject, { connections: 10_000, bun: '/…/bun.exe' });
 * run.idle.rss - run.baseline.rss; // bytes the idle connections added
 * ```
 */
import { BenchProcess, type JsonLine } from './bench-process.js';
import type { ProbeMemory } from './memory-probe.js';
import type { MemorySubject } from './memory-subjects.js';

/** How to run a measurement. */
export interface RunSettings {
  readonly connections: number;
  /** The Bun executable, for Bun subjects. */
  readonly bun: string | undefined;
  /** Extra flags for Node servers (e.g. `--max-semi-space-size=1` to pin V8's young
   * generation and see the cost of the objects alone). */
  readonly nodeFlags: readonly string[];
}

/** What one measurement saw. */
export interface SubjectRun {
  readonly baseline: ProbeMemory;
  readonly idle: ProbeMemory;
  readonly message: ProbeMemory;
  /** Agreed `Sec-WebSocket-Extensions`, with how many connections got each. */
  readonly extensions: Readonly<Record<string, number>>;
  /** Client messages sent compressed (RSV1). */
  readonly compressed: number;
  readonly openSeconds: number;
}

/** Each process may hold this many files: N sockets plus a margin (the hard limit here is
 * 20,000). */
const OPEN_FILES = 20_000;

function script(name: string): string {
  return new URL(`./${name}.js`, import.meta.url).pathname;
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function measure(
  server: BenchProcess,
  expected: number,
  stage: string,
): Promise<ProbeMemory> {
  server.send('measure');
  const line = (await server.nextLine((l) => l['event'] === 'memory')) as unknown as ProbeMemory;
  if (line.connections !== expected)
    throw new Error(`${stage}: the server has ${line.connections} connections, not ${expected}`);
  return line;
}

function serverCommand(subject: MemorySubject, settings: RunSettings): string[] {
  const args = [script(subject.script), '--deflate', subject.deflate];
  if (subject.runtime === 'node')
    return [process.execPath, '--expose-gc', ...settings.nodeFlags, ...args];
  if (settings.bun === undefined) throw new Error('no bun executable');
  return [settings.bun, ...args];
}

/** Measure `subject` once. */
export async function measureSubject(
  subject: MemorySubject,
  settings: RunSettings,
): Promise<SubjectRun> {
  const n = settings.connections;
  const server = BenchProcess.start(serverCommand(subject, settings), OPEN_FILES);
  let client: BenchProcess | undefined;
  try {
    const ready = await server.nextLine((line) => line['event'] === 'ready');
    // Let the fresh process finish its lazy start-up work before the baseline.
    await pause(500);
    const baseline = await measure(server, 0, 'baseline');
    client = BenchProcess.start(
      [
        process.execPath,
        script('raw-client'),
        '--port',
        String(ready['port']),
        '--connections',
        String(n),
        '--protocol',
        subject.protocol,
      ],
      OPEN_FILES,
    );
    const open: JsonLine = await client.nextLine((line) => line['event'] === 'open', 300_000);
    await pause(500);
    const idle = await measure(server, n, 'idle');
    client.send('message');
    const exchanged = await client.nextLine((line) => line['event'] === 'exchanged', 300_000);
    await pause(500);
    const message = await measure(server, n, 'after one message');
    return {
      baseline,
      idle,
      message,
      extensions: open['extensions'] as Record<string, number>,
      compressed: exchanged['compressed'] as number,
      openSeconds: open['seconds'] as number,
    };
  } finally {
    await client?.stop();
    await server.stop();
  }
}
