/**
 * Issue 16's measurement: the io_uring transport against the libuv path and uWebSockets.js,
 * in one run, alternated. For each echo case (connections × payload) and round, every server
 * runs once in a fresh process pinned to core 0 with the C load client (bench/e2e/c/) pinned
 * to core 1; the order of the servers rotates each round, so a burst of load from other work
 * on the machine does not always land on the same server. Server CPU per message comes from
 * the sum of the server's threads' `/proc/<pid>/task/*\/schedstat` over the client's window
 * (ns resolution; `/proc/<pid>/stat`'s 10 ms ticks are too coarse for short runs). A separate
 * pass runs each server under `strace -c -f` for syscalls per message (strace slows the
 * server; nothing from it is timed).
 *
 * Run: `npm run build && npm run build:uring && node dist/bench/e2e/uring-compare.js`
 * Options: `--rounds N` (default 5), `--duration-ms N` (default 2000), `--warmup-ms N`
 * (default 1000), `--cases 100x512,500x1024`, `--servers wirekit,uring,uws`,
 * `--no-strace`, `--out results.json`, `--rt`. Prints markdown tables.
 *
 * `--rt`, on a machine busy with other work: run the whole script under `chrt -f 10` (root);
 * the load client (one thread) inherits the real-time policy, and each server's helper threads
 * (V8's GC and compiler workers, libuv's pool) are put back to SCHED_OTHER as soon as it is
 * ready, so only its main thread — the one that does the I/O — preempts other work. Without
 * it, on a loaded machine every wake-up waits for a time slice, the servers idle most of the
 * time (load 0.2–0.4) and CPU per message measures wake-up costs more than the servers. With
 * every thread real-time, V8's helpers starve and the Node servers' figures are meaningless.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLoadClient } from './runner/c-load-client.js';
import { killChildrenOnExit } from './runner/child-processes.js';
import { loadAverage } from './runner/machine-info.js';
import { fixed, markdownTable } from './runner/markdown-table.js';
import { ServerProcess, type ServerSpec } from './runner/server-process.js';
import { median } from './runner/stats.js';
import { allCalls, parseStraceSummary } from './runner/strace-summary.js';

killChildrenOnExit();

const dir = new URL('./servers/', import.meta.url).pathname;
const SPECS: readonly ServerSpec[] = [
  { label: 'wirekit serve()', script: `${dir}wirekit-echo-server.js`, websocket: true },
  {
    label: 'wirekit serve({ readBuffer })',
    script: `${dir}wirekit-echo-server.js`,
    env: { WIREKIT_READ_BUFFER: '1' },
    websocket: true,
  },
  { label: 'io_uring (minimal)', script: `${dir}uring-echo-server.js`, websocket: true },
  {
    label: 'io_uring serveUring()',
    script: `${dir}wirekit-uring-echo-server.js`,
    websocket: true,
  },
  { label: 'uWebSockets.js', script: `${dir}uws-echo-server.js`, websocket: true },
];
const KEYS: Readonly<Record<string, string>> = {
  wirekit: 'wirekit serve()',
  readbuffer: 'wirekit serve({ readBuffer })',
  uring: 'io_uring (minimal)',
  serveuring: 'io_uring serveUring()',
  uws: 'uWebSockets.js',
};

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : (process.argv[at + 1] ?? fallback);
}

const rounds = Number(option('rounds', '5'));
const durationMs = Number(option('duration-ms', '2000'));
const warmupMs = Number(option('warmup-ms', '1000'));
const cases = option('cases', '100x512,100x1024,500x512,500x1024')
  .split(',')
  .map((c) => {
    const [connections, payload] = c.split('x').map(Number);
    return { connections: connections!, payloadBytes: payload! };
  });
const wanted = option('servers', 'wirekit,readbuffer,uring,serveuring,uws')
  .split(',')
  .map((key) => KEYS[key] ?? key);
const specs = SPECS.filter((spec) => wanted.includes(spec.label));
const strace = !process.argv.includes('--no-strace');
const out = option('out', '');
const realTime = process.argv.includes('--rt');

/** `--rt`: every thread of `pid` but its main thread back to SCHED_OTHER. */
function demoteHelpers(pid: number): void {
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    if (Number(tid) === pid) continue;
    try {
      execFileSync('chrt', ['-o', '-p', '0', tid], { stdio: 'ignore' });
    } catch {
      // The thread ended meanwhile.
    }
  }
}

interface Sample {
  readonly cpuUsPerMessage: number;
  readonly messagesPerSecond: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly serverLoad: number;
  readonly clientLoad: number;
  /** io_uring servers: io_uring_enter calls and loop wake-ups per message (whole run). */
  readonly entersPerMessage: number;
  readonly wakeupsPerMessage: number;
}

const samples = new Map<string, Sample[]>();
const work = mkdtempSync(join(tmpdir(), 'wirekit-uring-'));
const client = CLoadClient.compile(work);

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** The ring counters an io_uring server prints on stderr at exit. */
function ringStats(stderr: string): { enters: number; wakeups: number } | undefined {
  const line = stderr
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{"open"'));
  return line === undefined ? undefined : (JSON.parse(line) as { enters: number; wakeups: number });
}

async function measure(
  spec: ServerSpec,
  connections: number,
  payloadBytes: number,
): Promise<Sample> {
  const server = await ServerProcess.start(spec, { cpu: 0 });
  if (realTime) demoteHelpers(server.pid);
  try {
    const result = (await client.run(
      {
        port: server.port,
        serverPid: server.pid,
        connections,
        payloadBytes,
        warmupMs,
        durationMs,
        websocket: true,
      },
      1,
    )) as unknown as Record<string, number>;
    await server.stop();
    const seconds = result['serverSchedCpuSeconds']!;
    const ring = ringStats(server.stderr);
    const total = result['totalMessages']!;
    return {
      cpuUsPerMessage: result['serverSchedCpuUsPerMessage']!,
      messagesPerSecond: result['messagesPerSecond']!,
      p50Us: result['p50Us']!,
      p99Us: result['p99Us']!,
      serverLoad: seconds / result['seconds']!,
      clientLoad: result['clientCpuLoad']!,
      entersPerMessage: ring === undefined ? Number.NaN : ring.enters / total,
      wakeupsPerMessage: ring === undefined ? Number.NaN : ring.wakeups / total,
    };
  } finally {
    if (server.running) await server.stop();
  }
}

interface SyscallSample {
  readonly perMessage: number;
  readonly top: string;
}

async function traced(
  spec: ServerSpec,
  connections: number,
  payloadBytes: number,
): Promise<SyscallSample> {
  const file = join(work, 'strace.txt');
  const server = await ServerProcess.start(spec, { cpu: 0, straceOutput: file });
  let messages: number;
  try {
    const result = await client.run(
      {
        port: server.port,
        serverPid: server.pid,
        connections,
        payloadBytes,
        warmupMs,
        durationMs,
        websocket: true,
      },
      1,
    );
    messages = result.totalMessages;
  } finally {
    await server.stop();
  }
  const counts = parseStraceSummary(readFileSync(file, 'utf8'));
  rmSync(file, { force: true });
  const top = [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([name, calls]) => `${name} ${fixed(calls / messages, 3)}`)
    .join(', ');
  return { perMessage: allCalls(counts) / messages, top };
}

const loadBefore = loadAverage();
const started = Date.now();
for (let round = 0; round < rounds; round++) {
  for (const { connections, payloadBytes } of cases) {
    // Rotate the order every round.
    const order = specs.map((_, i) => specs[(i + round) % specs.length]!);
    for (const spec of order) {
      const key = `${spec.label}|${connections}x${payloadBytes}`;
      try {
        const sample = await measure(spec, connections, payloadBytes);
        if (!samples.has(key)) samples.set(key, []);
        samples.get(key)!.push(sample);
        log(
          `round ${round + 1} ${connections}×${payloadBytes} ${spec.label}: ` +
            `${fixed(sample.cpuUsPerMessage, 2)} µs/msg, ${Math.round(sample.messagesPerSecond)} msg/s, ` +
            `server load ${fixed(sample.serverLoad, 2)}, client load ${fixed(sample.clientLoad, 2)}`,
        );
      } catch (error) {
        log(
          `round ${round + 1} ${connections}×${payloadBytes} ${spec.label}: FAILED ${(error as Error).message}`,
        );
      }
    }
  }
}

const syscalls = new Map<string, SyscallSample>();
if (strace) {
  for (const { connections, payloadBytes } of cases.filter((c) => c.payloadBytes === 512)) {
    for (const spec of specs) {
      try {
        syscalls.set(
          `${spec.label}|${connections}x${payloadBytes}`,
          await traced(spec, connections, payloadBytes),
        );
      } catch (error) {
        log(`strace ${spec.label}: FAILED ${(error as Error).message}`);
      }
    }
  }
}

const lines: string[] = [];
lines.push(
  `${realTime ? 'Real-time main threads (--rt). ' : ''}${rounds} round(s), ${warmupMs} ms warm-up, ${durationMs} ms measured per run; load average ` +
    `${loadBefore} at start, ${loadAverage()} at end; ` +
    `${fixed((Date.now() - started) / 60_000, 1)} min.`,
  '',
);
for (const { connections, payloadBytes } of cases) {
  const caseKey = `${connections}x${payloadBytes}`;
  const baseline = median(
    (samples.get(`wirekit serve()|${caseKey}`) ?? []).map((s) => s.cpuUsPerMessage),
  );
  const rows = specs.map((spec) => {
    const list = samples.get(`${spec.label}|${caseKey}`) ?? [];
    const cpu = list.map((s) => s.cpuUsPerMessage);
    const m = median(cpu);
    const sys = syscalls.get(`${spec.label}|${caseKey}`);
    return [
      spec.label,
      fixed(m, 2),
      `${fixed(Math.min(...cpu), 2)}–${fixed(Math.max(...cpu), 2)}`,
      `${fixed((1 - m / baseline) * 100, 0)} %`,
      Math.round(median(list.map((s) => s.messagesPerSecond))).toLocaleString('en-US'),
      String(median(list.map((s) => s.p50Us))),
      String(median(list.map((s) => s.p99Us))),
      fixed(median(list.map((s) => s.serverLoad)), 2),
      fixed(median(list.map((s) => s.clientLoad)), 2),
      sys === undefined ? '—' : fixed(sys.perMessage, 3),
      Number.isNaN(median(list.map((s) => s.entersPerMessage)))
        ? '—'
        : `${fixed(median(list.map((s) => s.entersPerMessage)), 3)} / ${fixed(median(list.map((s) => s.wakeupsPerMessage)), 3)}`,
    ];
  });
  lines.push(`**${connections} connections × ${payloadBytes} B**`, '');
  lines.push(
    markdownTable(
      [
        'server',
        'CPU µs/msg',
        'range',
        'vs serve()',
        'msg/s',
        'p50 µs',
        'p99 µs',
        'server load',
        'client load',
        'syscalls/msg',
        'enters / wake-ups per msg',
      ],
      rows,
    ),
    '',
  );
}
if (syscalls.size > 0) {
  lines.push('Most frequent syscalls per message (strace -c -f, whole run):', '');
  for (const [key, sample] of syscalls) lines.push(`- ${key.replace('|', ' @ ')}: ${sample.top}`);
}
process.stdout.write(`${lines.join('\n')}\n`);
if (out !== '') {
  writeFileSync(
    out,
    JSON.stringify(
      {
        rounds,
        durationMs,
        warmupMs,
        samples: Object.fromEntries(samples),
        syscalls: Object.fromEntries(syscalls),
      },
      null,
      2,
    ),
  );
}
rmSync(work, { recursive: true, force: true });
