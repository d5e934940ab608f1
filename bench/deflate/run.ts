/**
 * permessage-deflate benchmarks, wirekit against ws in the same run: echo throughput and
 * latency (1 KiB and 16 KiB JSON, 1 and 100 connections, zlib level 1 and 6) and server memory
 * per connection (1,000 and 10,000 connections). Servers and load clients are separate
 * processes; every process started is killed when the run ends. Prints the markdown and
 * writes it into BENCHMARKS.md between `<!-- deflate:start -->` and `<!-- deflate:end -->`.
 *
 * Run: `npm run bench:deflate` (full, ~20 min) or `node dist/bench/deflate/run.js --quick`
 * (~1.5 min smoke run; writes BENCHMARKS.md only with `--write`). It re-runs itself from a
 * private copy of dist/ (bench/e2e/runner/dist-snapshot.ts).
 * Options: `--only throughput,memory`, `--rounds N`, `--seconds S`, `--memory-runs N`,
 * `--counts 1000,10000`, `--no-pin`, `--no-wait` (do not wait for an idle machine),
 * `--no-write`, `--out results.json`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeSection } from '../e2e/runner/benchmarks-file.js';
import { inSnapshot, repositoryRoot, rerunInSnapshot } from '../e2e/runner/dist-snapshot.js';
import { IdleBudget } from './machine-idle.js';
import { MEMORY_SUBJECTS, type MemoryRow, runMemorySection } from './memory-section.js';
import { killChildrenOnExit } from './node-child.js';
import { deflateReport, type FloorRow } from './report.js';
import {
  ECHO_PAIRS,
  LEVELS,
  runThroughputSection,
  type ThroughputRow,
} from './throughput-section.js';
import { zlibFloorUs } from './zlib-floor.js';

// Run from a private copy of dist/: other engineers rebuild it while a run is going.
if (!inSnapshot()) process.exit(await rerunInSnapshot(repositoryRoot(), 'bench/deflate/run.js'));
killChildrenOnExit();

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string', default: 'throughput,memory' },
    rounds: { type: 'string' },
    seconds: { type: 'string' },
    'memory-runs': { type: 'string' },
    counts: { type: 'string' },
    'no-pin': { type: 'boolean', default: false },
    'no-wait': { type: 'boolean', default: false },
    write: { type: 'boolean' },
    'no-write': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const quick = values.quick;
const sections = new Set(values.only.split(','));
const write = values['no-write'] ? false : (values.write ?? !quick);

function sh(script: string): string {
  try {
    return execFileSync('sh', ['-c', script], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return '';
  }
}

const pin = !values['no-pin'] && sh('command -v taskset') !== '';
const counts = (values.counts ?? (quick ? '200' : '1000,10000')).split(',').map(Number);
// The server and the client each hold one socket per connection, plus a few files.
const wantedFiles = Math.max(30_000, Math.max(...counts) + 1000);
const hardLimit = sh('ulimit -Hn');
const openFiles =
  hardLimit === 'unlimited' ? wantedFiles : Math.min(wantedFiles, Number(hardLimit) || 1024);
if (openFiles < Math.max(...counts) + 100) {
  throw new Error(
    `the open-file hard limit (${hardLimit}) is too low for ${Math.max(...counts)} connections`,
  );
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ')[0] ?? '?';
  } catch {
    return '?';
  }
}

function version(name: string): string {
  try {
    const require = createRequire(import.meta.url);
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

const seconds = Number(values.seconds ?? (quick ? 0.5 : 2));
const throughputConfig = {
  rounds: Number(values.rounds ?? (quick ? 1 : 5)),
  warmupMs: quick ? 200 : 500,
  durationMs: seconds * 1000,
  sizes: [1024, 16 * 1024],
  connections: [1, 100],
  levels: LEVELS,
  pairs: ECHO_PAIRS,
  serverCpu: pin ? 0 : undefined,
  clientCpu: pin ? 1 : undefined,
  idle: values['no-wait'] ? undefined : new IdleBudget((quick ? 1 : 20) * 60_000),
  maxForeignShare: 0.1,
};
const memoryConfig = {
  counts,
  runs: Number(values['memory-runs'] ?? (quick ? 1 : 3)),
  openFiles,
  messagesPerConnection: 3,
  subjects: MEMORY_SUBJECTS,
};

const started = Date.now();
const loadBefore = loadAverage();
const commit = sh(`git -C '${repositoryRoot()}' rev-parse --short HEAD`) || 'unknown';
let throughput: ThroughputRow[] | undefined;
let floors: FloorRow[] | undefined;
let memory: MemoryRow[] | undefined;
if (sections.has('throughput')) {
  log('echo throughput and latency…');
  throughput = await runThroughputSection(throughputConfig, log);
  log('zlib floor…');
  floors = [];
  for (const level of throughputConfig.levels) {
    for (const size of throughputConfig.sizes)
      floors.push({ level: level.label, size, floorUs: zlibFloorUs(size, level.wirekit) });
  }
}
if (sections.has('memory')) {
  log('memory per connection…');
  memory = await runMemorySection(memoryConfig, log);
}
const minutes = (Date.now() - started) / 60_000;

const cpuModel = /Model name:\s*(.+)/.exec(sh('lscpu'))?.[1]?.trim() ?? 'unknown CPU';
const report = deflateReport({
  run: {
    command: quick ? 'node dist/bench/deflate/run.js --quick' : 'npm run bench:deflate',
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    machine: `${sh('nproc')} vCPUs (${cpuModel}), Linux loopback`,
    versions: `Node ${process.version} (zlib ${process.versions.zlib}), ws ${version('ws')}, commit ${commit}`,
    load: `${loadBefore} / ${loadAverage()} (other jobs share this machine)`,
    minutes,
    method: [
      'Messages: JSON text, realistic market data (a batch of trades for 1 KiB, an order-book snapshot for 16 KiB, each ending in a chat-like note), exactly 1,024 or 16,384 bytes, 64 different ones sent in turn (bench/deflate/json-messages.ts). Every echo is checked (length always, bytes for one in 8).',
      'Compression on both ends, same zlib level for both libraries (level 1, and 6 = zlib\'s and ws\'s default), memLevel 8, 15-bit windows, threshold 1,024 B. "wirekit dedicated": `serve({ deflate: { mode: \'dedicated\', level } })` and `connect(url, { deflate: { level } })` — context takeover both ways, as ws. "wirekit shared": the server default, no context takeover both ways, one zlib context per process and direction. "wirekit dedicated, 11-bit windows, memLevel 4": dedicated with `serverMaxWindowBits: 11, clientMaxWindowBits: 11, memLevel: 4` on the server (zlib contexts sized for many connections). "ws": `new WebSocketServer({ perMessageDeflate: { zlibDeflateOptions: { level } } })` (`true` for level 6) and `new WebSocket(url, { perMessageDeflate: … })`; everything else at ws\'s defaults (10 concurrent zlib jobs).',
      `Echo: N connections, one message in flight on each (send, wait for the echo, send the next); ${throughputConfig.warmupMs} ms warm-up, then ${seconds} s measured. Server and load client are separate processes${pin ? ', pinned with taskset to core 0 and core 1 (zlib threads of ws included)' : ''}. ${throughputConfig.rounds} rounds, all pairs in each round in rotated order; medians. "server/client CPU": user + system time per round trip (server from /proc/PID/stat). "capacity": 10⁶ ÷ the larger of the two, the round trips per second the pair would sustain with one core each to itself. "wire B/msg": bytes the server read per round trip (/proc/PID/io), i.e. a compressed client frame with its header and mask (the echo is 4 bytes shorter, no mask).`,
      `This machine is shared with other jobs. Before each client run the runner waits (at most 30 s, 20 min in all) for a one-second sample with ≥ 90 % of the CPUs idle; "other load" is the share of the machine's CPU time (both cores) that processes other than the server and the client used during the window (/proc/stat minus their own CPU time), and a run above 10 % is repeated up to twice, keeping the least loaded. Under contention a server gets a share of its core, not the core: wall-clock msg/s then measures that share (ws, whose zlib jobs run on 4 libuv threads, wins a larger share of a contended core than a one-thread server), while CPU per message and capacity stay comparable.`,
      `Memory: the server process (open-file limit ${openFiles}, \`sh -c 'ulimit -n ${openFiles} && exec node --expose-gc …'\`) reports \`process.memoryUsage()\` after two full GCs before any connection and again once a load client in another process has opened N connections (offer \`permessage-deflate; client_max_window_bits\`, as ws's client and Chromium) and made each exchange ${memoryConfig.messagesPerConnection} compressed 1 KiB messages (so every connection has inflated and compressed); (after − before) ÷ N. Medians of ${memoryConfig.runs} runs. The zlib contexts are malloc'ed by Node's zlib binding and show in RSS (only pages touched so far); "external" holds just what Node has reported to V8.`,
      'zlib floor: inflate + compress of the same messages with context takeover, in the runner process on a hot loop (bench/deflate/zlib-floor.ts): the server CPU per echo that no library can go below.',
    ],
  },
  throughput,
  floors,
  memory,
});
process.stdout.write(`${report}\n`);
if (values.out !== undefined) {
  writeFileSync(
    values.out,
    JSON.stringify(
      { throughputConfig, memoryConfig, throughput, floors, memory, minutes },
      null,
      2,
    ),
  );
}
if (write) {
  const file = join(repositoryRoot(), 'BENCHMARKS.md');
  writeSection(file, 'deflate', report);
  log(`wrote the deflate section of ${file}`);
}
process.exit(0);
