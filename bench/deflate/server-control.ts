/**
 * How a compression benchmark server talks to the runner. Arguments: `--mode off|shared|
 * dedicated`, `--level N|default`, and to shrink zlib's contexts `--window-bits B` (both
 * directions' windows) and `--mem-level N` (wirekit only). On stdout, one JSON line when it listens
 * (`{"event":"ready",…}`); on stdin, the line `measure` makes it collect garbage (it runs with
 * `--expose-gc`) and answer with its memory (`{"event":"memory",…}`); SIGTERM ends it.
 *
 * @example
 * ```ts
 * const { mode, level } = serverArguments();
 * reportReady('wirekit', port, 'deflate shared, level 1', () => server.connections.size);
 * ```
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

/** How the server compresses: not at all, or the mode of the library. */
export type ServerMode = 'off' | 'shared' | 'dedicated';

/** The server's settings from its command line. */
export interface ServerArguments {
  readonly mode: ServerMode;
  /** zlib level; undefined: the library's default. */
  readonly level: number | undefined;
  /** Largest window of both directions (9-15); undefined: 15. */
  readonly windowBits: number | undefined;
  /** zlib memLevel of the server's compressor (1-9); undefined: 8. */
  readonly memLevel: number | undefined;
}

function integer(text: string | undefined, name: string, min: number, max: number) {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!(Number.isInteger(value) && value >= min && value <= max))
    throw new RangeError(`--${name} ${min}-${max}, not ${text}`);
  return value;
}

/** The ready line. */
export interface ReadyLine {
  readonly event: 'ready';
  readonly name: string;
  readonly port: number;
  readonly pid: number;
  readonly detail: string;
}

/** The answer to `measure`: `process.memoryUsage()` after a full GC, and the open connections. */
export interface MemoryLine {
  readonly event: 'memory';
  readonly rss: number;
  readonly heapTotal: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly connections: number;
}

/** Parse the arguments. */
export function serverArguments(): ServerArguments {
  const { values } = parseArgs({
    options: {
      mode: { type: 'string', default: 'shared' },
      level: { type: 'string', default: 'default' },
      'window-bits': { type: 'string' },
      'mem-level': { type: 'string' },
    },
  });
  const mode = values.mode;
  if (mode !== 'off' && mode !== 'shared' && mode !== 'dedicated')
    throw new RangeError(`--mode off|shared|dedicated, not ${mode}`);
  const level = values.level === 'default' ? undefined : Number(values.level);
  if (level !== undefined && !(Number.isInteger(level) && level >= 0 && level <= 9))
    throw new RangeError(`--level 0-9 or default, not ${values.level}`);
  return {
    mode,
    level,
    windowBits: integer(values['window-bits'], 'window-bits', 9, 15),
    memLevel: integer(values['mem-level'], 'mem-level', 1, 9),
  };
}

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run the server with --expose-gc');
  gc();
  gc();
}

/** Print the ready line, answer `measure` on stdin, exit on SIGTERM or when stdin closes. */
export function reportReady(
  name: string,
  port: number,
  detail: string,
  connections: () => number,
): void {
  const ready: ReadyLine = { event: 'ready', name, port, pid: process.pid, detail };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  const input = createInterface({ input: process.stdin });
  input.on('line', (line) => {
    if (line.trim() !== 'measure') return;
    collectGarbage();
    // Let finalizers and freed native memory settle before reading.
    setTimeout(() => {
      collectGarbage();
      const usage = process.memoryUsage();
      const memory: MemoryLine = {
        event: 'memory',
        rss: usage.rss,
        heapTotal: usage.heapTotal,
        heapUsed: usage.heapUsed,
        external: usage.external,
        arrayBuffers: usage.arrayBuffers,
        connections: connections(),
      };
      process.stdout.write(`${JSON.stringify(memory)}\n`);
    }, 200);
  });
  // The runner going away (stdin closed) or SIGTERM: stop at once.
  input.on('close', () => process.exit(0));
  process.once('SIGTERM', () => process.exit(0));
}
