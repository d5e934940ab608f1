/**
 * The server side of the memory benchmark's protocol, for Node and Bun alike: one JSON line on
 * stdout when the server listens (`{"event":"ready",…}`); on stdin, the line `measure` makes it
 * collect garbage fully a few times (Node: `gc()`, which needs `--expose-gc`; Bun:
 * `Bun.gc(true)`), let freed native memory settle, and answer with `process.memoryUsage()` and
 * its open connections (`{"event":"memory",…}`). SIGTERM or the end of stdin ends it.
 *
 * @example
 * ```ts
 * memoryProbe({ name: 'ws', port, detail: 'no compression', connections: () => wss.clients.size });
 * ```
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { getHeapSpaceStatistics } from 'node:v8';

/** The ready line. */
export interface ProbeReady {
  readonly event: 'ready';
  readonly name: string;
  readonly port: number;
  readonly pid: number;
  readonly detail: string;
  readonly runtime: string;
}

/** The answer to `measure`. */
export interface ProbeMemory {
  readonly event: 'memory';
  readonly rss: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly connections: number;
  /** Node only: each V8 heap space's committed and used bytes, to tell live objects from
   * pages V8 keeps (a young generation grown under load, fragmentation). */
  readonly spaces?: Readonly<Record<string, { readonly size: number; readonly used: number }>>;
}

/** What a server tells the probe. */
export interface ProbeSubject {
  readonly name: string;
  readonly port: number;
  readonly detail: string;
  /** Open connections now (a promise where the server counts asynchronously). */
  connections(): number | Promise<number>;
}

/** Compression modes a memory server may be asked for; each server accepts some of them. */
export type DeflateMode = 'off' | 'shared' | 'dedicated-small' | 'on';

/** The server's `--deflate` argument, checked against the modes it supports. */
export function deflateArgument(supported: readonly DeflateMode[]): DeflateMode {
  const { values } = parseArgs({ options: { deflate: { type: 'string', default: 'off' } } });
  const mode = values.deflate as DeflateMode;
  if (!supported.includes(mode))
    throw new RangeError(`--deflate ${supported.join('|')}, not ${values.deflate}`);
  return mode;
}

interface Runtimes {
  readonly gc?: () => void;
  readonly Bun?: { readonly version: string; gc(force: boolean): void };
}

function collectGarbage(): void {
  const globals = globalThis as Runtimes;
  if (globals.Bun !== undefined) globals.Bun.gc(true);
  else if (globals.gc !== undefined) globals.gc();
  else throw new Error('run the server with --expose-gc');
}

function settle(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function measure(subject: ProbeSubject): Promise<ProbeMemory> {
  // Several passes, with turns of the event loop between them, so that weak callbacks and
  // finalizers that free native memory (closed handles, zlib contexts) have run.
  for (let i = 0; i < 3; i++) {
    collectGarbage();
    await settle(100);
  }
  collectGarbage();
  const usage = process.memoryUsage();
  const spaces: Record<string, { size: number; used: number }> = {};
  if ((globalThis as Runtimes).Bun === undefined) {
    for (const space of getHeapSpaceStatistics())
      spaces[space.space_name] = { size: space.space_size, used: space.space_used_size };
  }
  return {
    event: 'memory',
    rss: usage.rss,
    heapUsed: usage.heapUsed,
    heapTotal: usage.heapTotal,
    external: usage.external,
    arrayBuffers: usage.arrayBuffers,
    connections: await subject.connections(),
    spaces,
  };
}

/** Print the ready line, answer `measure`, exit on SIGTERM or when stdin closes. */
export function memoryProbe(subject: ProbeSubject): void {
  const bun = (globalThis as Runtimes).Bun;
  const ready: ProbeReady = {
    event: 'ready',
    name: subject.name,
    port: subject.port,
    pid: process.pid,
    detail: subject.detail,
    runtime: bun === undefined ? `Node ${process.version}` : `Bun ${bun.version}`,
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  // heap-profile.ts runs the server in its own process and measures it itself.
  if (process.env['MEMORY_PROBE_IN_PROCESS'] === '1') return;
  const input = createInterface({ input: process.stdin });
  input.on('line', (line) => {
    if (line.trim() !== 'measure') return;
    measure(subject).then(
      (memory) => process.stdout.write(`${JSON.stringify(memory)}\n`),
      (error: unknown) => {
        process.stderr.write(`measure failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  });
  input.on('close', () => process.exit(0));
  process.once('SIGTERM', () => process.exit(0));
}
