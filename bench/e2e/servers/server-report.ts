/**
 * How a benchmark server talks to the runner: one JSON line on stdout when it listens
 * (`{"event":"ready",…}` with its port and pid, so the runner can read `/proc/<pid>/stat` even
 * when the server runs under `strace`), and one when it is told to stop with SIGTERM
 * (`{"event":"exit",…}` with the messages it received and its CPU time), then it exits. Code
 * that imports a server into its own process (the same-process section) awaits
 * {@link whenReady} for the port instead of reading the line.
 *
 * @example
 * ```ts
 * const stats = { messages: 0 };
 * reportReady('ws', port, 'bufferutil loaded', stats);
 * ```
 */

/** Counters a server keeps while it runs. */
export interface ServerStats {
  /** WebSocket messages (or, for the raw TCP echo, chunks) received. */
  messages: number;
}

/** The ready line. */
export interface ReadyEvent {
  readonly event: 'ready';
  readonly name: string;
  readonly port: number;
  readonly pid: number;
  readonly detail: string;
}

/** The exit line. */
export interface ExitEvent {
  readonly event: 'exit';
  readonly messages: number;
  readonly cpuUserUs: number;
  readonly cpuSystemUs: number;
}

let announce: (ready: ReadyEvent) => void = () => {};
const announced = new Promise<ReadyEvent>((resolve) => {
  announce = resolve;
});

/** The ready event of the server started in this process, once it listens. */
export function whenReady(): Promise<ReadyEvent> {
  return announced;
}

/** Print the ready line and arm the SIGTERM handler that prints the exit line. */
export function reportReady(name: string, port: number, detail: string, stats: ServerStats): void {
  const ready: ReadyEvent = { event: 'ready', name, port, pid: process.pid, detail };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  announce(ready);
  process.once('SIGTERM', () => {
    const cpu = process.cpuUsage();
    const exit: ExitEvent = {
      event: 'exit',
      messages: stats.messages,
      cpuUserUs: cpu.user,
      cpuSystemUs: cpu.system,
    };
    process.stdout.write(`${JSON.stringify(exit)}\n`, () => process.exit(0));
  });
}

/** The `--port` argument (default 0: any free port). */
export function portArgument(argv: readonly string[] = process.argv): number {
  const at = argv.indexOf('--port');
  const port = at === -1 ? 0 : Number(argv[at + 1]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError('bad --port');
  return port;
}
