/**
 * End-to-end benchmarks on loopback, side by side: wirekit, ws (with and without bufferutil),
 * uWebSockets.js, Bun and a raw `net` echo (the floor), each server its own process pinned to
 * core 0, the load client pinned to core 1: the C client (`c/echo-load.c`, compiled at the
 * start with `cc -O2`) for echo load, the Node raw-socket client (`load-client.ts`) for the
 * rest. Two sections use the libraries' own clients: same-process (server and client in one
 * process) and wss (TLS with a pinned self-signed CA, two processes). Prints markdown tables
 * with medians and ratios and writes them into BENCHMARKS.md under "End-to-end (loopback)".
 *
 * Run: `npm run bench:e2e` (full, ~15 min) or `node dist/bench/e2e/run.js --quick` (~2 min
 * smoke run, does not touch BENCHMARKS.md unless `--write`).
 * Options: `--no-pin` (no taskset), `--no-write`, `--out results.json`,
 * `--only phases,echo,same-process,wss,broadcast,syscalls`.
 * `--only uring` (issue 16): phases, echo, wss, broadcast and syscalls on wirekit's `serve()`
 * (libuv), wirekit's `serveUring()` (io_uring, needs `npm run build:uring`), uWebSockets.js, Bun
 * and the TCP floor only, written into its own section of BENCHMARKS.md ("io_uring vs libuv").
 * Every process it starts is killed when it ends, also on failure or Ctrl-C. It runs from a
 * private copy of dist/ taken at the start (see runner/dist-snapshot.ts), so rebuilds in the
 * checkout during the run do not mix builds.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSection } from './runner/benchmarks-file.js';
import {
  type BroadcastRow,
  broadcastTable,
  runBroadcastSection,
} from './runner/broadcast-section.js';
import { bunBinary } from './runner/bun-binary.js';
import { CLoadClient } from './runner/c-load-client.js';
import { killChildrenOnExit } from './runner/child-processes.js';
import { inSnapshot, repositoryRoot, rerunInSnapshot } from './runner/dist-snapshot.js';
import {
  type EchoCaseResult,
  echoSummaryTable,
  echoTables,
  runEchoSection,
} from './runner/echo-section.js';
import { loadAverage, machineInfo } from './runner/machine-info.js';
import { fixed, markdownTable } from './runner/markdown-table.js';
import {
  type PhasesRow,
  phasesCpuTable,
  phasesTable,
  runPhasesSection,
} from './runner/phases-section.js';
import { runArguments } from './runner/run-arguments.js';
import { runConfig } from './runner/run-config.js';
import {
  runSameProcessSection,
  type SameProcessRow,
  sameProcessTable,
} from './runner/same-process-section.js';
import { ServerProcess, type ServerSpec } from './runner/server-process.js';
import { SERVERS, URING_LABELS } from './runner/server-specs.js';
import {
  broadcastSyscallTable,
  echoSyscallTable,
  runSyscallSection,
  type SyscallRow,
} from './runner/syscall-section.js';
import { checkTargets } from './runner/targets.js';
import { runWssSection, type WssRow, wssTable } from './runner/wss-section.js';

if (!inSnapshot()) process.exit(await rerunInSnapshot(repositoryRoot(), 'bench/e2e/run.js'));
killChildrenOnExit();

const args = runArguments(['phases', 'echo', 'same-process', 'wss', 'broadcast', 'syscalls']);
const { pin, write } = args;
/** `--only uring`: the io_uring comparison, its own servers and section. */
const uringRun = args.sections.has('uring');
const sections: ReadonlySet<string> = uringRun
  ? new Set(['phases', 'echo', 'wss', 'broadcast', 'syscalls'])
  : args.sections;
const servers = uringRun ? SERVERS.filter((spec) => URING_LABELS.includes(spec.label)) : SERVERS;
const baseConfig = runConfig({ quick: args.quick, pin });
// The io_uring run keeps its full echo, broadcast and syscall sections but spends less wall
// time on sequential round trips (their CPU per message is what it compares): 2 phase runs,
// 20,000 wss round trips.
const config = uringRun
  ? {
      ...baseConfig,
      phases: { ...baseConfig.phases, runs: Math.min(baseConfig.phases.runs, 2) },
      wss: { ...baseConfig.wss, messages: Math.min(baseConfig.wss.messages, 20_000) },
    }
  : baseConfig;
const benchmarksFile = join(repositoryRoot(), 'BENCHMARKS.md');
const started = Date.now();
const loadBefore = loadAverage();
const machine = machineInfo();

/** Start each server once: everything must start, except the optional ones (uWS, Bun). */
async function preflight(): Promise<{ specs: ServerSpec[]; details: string[] }> {
  const specs: ServerSpec[] = [];
  const details: string[] = [];
  for (const spec of servers) {
    try {
      const server = await ServerProcess.start(spec, { cpu: config.serverCpu });
      const runtime = spec.runtime === 'bun' ? ` (${bunBinary()?.path})` : '';
      details.push(`${spec.label}: ${server.ready.detail}${runtime}`);
      await server.stop();
      specs.push(spec);
    } catch (error) {
      if (spec.optional !== true) throw error;
      details.push(`${spec.label}: NOT RUN, ${(error as Error).message.trim()}`);
    }
  }
  return { specs, details };
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

const work = mkdtempSync(join(tmpdir(), 'wirekit-e2e-'));
try {
  // Compile first: a missing compiler fails the run before any measuring.
  const needsC = sections.has('echo') || sections.has('broadcast') || sections.has('syscalls');
  const cClient = needsC ? CLoadClient.compile(work) : undefined;
  const { specs, details } = await preflight();
  let phases: PhasesRow[] | undefined;
  let echo: EchoCaseResult[] | undefined;
  let sameProcess: SameProcessRow[] | undefined;
  let wss: WssRow[] | undefined;
  let broadcast: BroadcastRow[] | undefined;
  let syscalls: SyscallRow[] | undefined;
  if (sections.has('phases')) {
    log('phases…');
    phases = await runPhasesSection(config, specs);
  }
  if (cClient !== undefined && sections.has('echo')) {
    log('echo load (C client)…');
    echo = await runEchoSection(config, specs, cClient);
  }
  if (sections.has('same-process')) {
    log('same process…');
    sameProcess = await runSameProcessSection(config, specs);
  }
  if (sections.has('wss')) {
    log('wss…');
    wss = await runWssSection(config, specs, work);
  }
  if (sections.has('broadcast')) {
    log('broadcast…');
    broadcast = await runBroadcastSection(config, specs, cClient!);
  }
  if (sections.has('syscalls')) {
    log('syscalls (strace)…');
    syscalls = await runSyscallSection(config, specs, work, cClient!);
  }
  const minutes = (Date.now() - started) / 60_000;
  const report = renderReport({
    details,
    phases,
    echo,
    sameProcess,
    wss,
    broadcast,
    syscalls,
    minutes,
  });
  process.stdout.write(`${report}\n`);
  if (args.out !== undefined) {
    writeFileSync(
      args.out,
      JSON.stringify(
        { config, machine, details, phases, echo, sameProcess, wss, broadcast, syscalls, minutes },
        null,
        2,
      ),
    );
  }
  if (write) {
    writeSection(benchmarksFile, uringRun ? 'uring-e2e' : 'e2e', report);
    log(`written to ${benchmarksFile}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

interface ReportInput {
  readonly details: readonly string[];
  readonly phases: readonly PhasesRow[] | undefined;
  readonly echo: readonly EchoCaseResult[] | undefined;
  readonly sameProcess: readonly SameProcessRow[] | undefined;
  readonly wss: readonly WssRow[] | undefined;
  readonly broadcast: readonly BroadcastRow[] | undefined;
  readonly syscalls: readonly SyscallRow[] | undefined;
  readonly minutes: number;
}

function renderReport(input: ReportInput): string {
  const { phases, echo, sameProcess, wss, broadcast, syscalls } = input;
  const versions = Object.entries(machine.versions)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ');
  const b = config.broadcast;
  const out: string[] = [
    uringRun ? '## io_uring vs libuv, end to end (issue 16)' : '## End-to-end (loopback)',
    '',
    `Generated by \`${config.quick ? 'node dist/bench/e2e/run.js --quick' : 'npm run bench:e2e'}${uringRun ? ' -- --only uring' : ''}\` on ${machine.date}` +
      ` (commit ${machine.commit}, ${fixed(input.minutes, 1)} min${config.quick ? ', QUICK SMOKE RUN' : ''}).`,
    `Machine: ${machine.cores} cores, ${machine.cpuModel}, Node ${machine.node}; ${versions}.`,
    pin
      ? 'Servers pinned to core 0 (`taskset -c 0`), the load client to core 1 (`taskset -c 1`).'
      : 'Not pinned (taskset unavailable or `--no-pin`).',
    `1-minute load average: ${loadBefore} at start, ${loadAverage()} at end (other work shares this 2-core machine; compare rows of one run, not runs).`,
    '',
    ...input.details.map((d) => `- ${d}`),
    '',
    'Echo load is driven by a C client (bench/e2e/c/echo-load.c: epoll, one pre-masked frame,',
    'a write and a read per echo). The phases, broadcast and syscall sections use one Node load',
    'client for every server: bare `net` sockets, pre-encoded masked frames, a frame-boundary',
    'scanner and `onread` into a shared buffer (bench/e2e/client/). The same-process and wss',
    "sections use each library's own client. Ratios: how many times faster (or cheaper) than",
    'the named server; above 1 is faster.',
  ];
  if (phases !== undefined) {
    out.push(
      '',
      `### ${config.phases.messages.toLocaleString('en-US')} × "Hello, World!" over one connection`,
      '',
      `Median of ${config.phases.runs} run(s) per server, rounds interleaved across servers. send: client → server,`,
      'timed until the server reports it counted all; echo: sequential round trips; recv: server →',
      'client after one trigger message. The TCP floor runs the echo phase only.',
      '',
      phasesTable(phases),
      '',
      'The same runs, server main-thread CPU time per phase (`/proc/<pid>/schedstat`): unlike the',
      'wall times above, this does not depend on what else the machine was running.',
      '',
      phasesCpuTable(phases),
    );
  }
  if (echo !== undefined) {
    out.push(
      '',
      '### Echo load (C load client)',
      '',
      `CPU: ${machine.cpuModel}, ${machine.cores} cores; server on core 0, C client on core 1.`,
      '',
      `One binary message in flight per connection; ${config.echo.warmupMs} ms warm-up, ${config.echo.durationMs} ms measured;` +
        ` median of ${config.echo.rounds} alternated run(s) (each round runs every server once, in turn).`,
      'Latency is the round trip seen by the client (1 µs histogram). Server CPU per message from',
      '`/proc/<pid>/stat` (all threads) over the window; load = CPU seconds per second (1 = one core',
      'busy). The client measures its own CPU with getrusage: "client saturated" (and † below) marks',
      'runs where it used more than 90 % of its core, so it, not the server, may have set the pace.',
      '',
      echoSummaryTable(echo),
      '',
      'Per case (CPU × uWS / × Bun: how many times less server CPU per echo than uWebSockets.js /',
      'Bun; above 1 is cheaper):',
      '',
      echoTables(echo),
    );
  }
  if (sameProcess !== undefined) {
    const s = config.sameProcess;
    out.push(
      '',
      `### ${s.messages.toLocaleString('en-US')} × "Hello, World!", server and client in one process`,
      '',
      `CPU: ${machine.cpuModel}. Each pair runs in one process pinned to core 0: the server`,
      "and the library's own client share one event loop (uWebSockets.js has no client: ws talks",
      'to it). Phases as above (send, echo, recv), one warm-up at a tenth of the size, then one',
      `timed run; median of ${s.runs} process(es) per pair, alternated. Process CPU is server and client`,
      'together. wirekit readBuffer: the server and the client both read into a reused buffer.',
      '',
      sameProcessTable(sameProcess),
    );
  }
  if (wss !== undefined) {
    const w = config.wss;
    out.push(
      '',
      `### wss://, ${w.messages.toLocaleString('en-US')} sequential round trips of ${w.payloadBytes} B`,
      '',
      `CPU: ${machine.cpuModel}. Server on core 0, client process on core 1; TLS with a`,
      'self-signed P-256 certificate made with openssl for the run, passed to the client as its',
      `only trusted CA. ${w.payloadBytes}-byte text messages, one in flight; a tenth as many untimed first;`,
      `median of ${w.runs} client process(es) per pair, alternated. CPU per round trip from`,
      '`/proc/<pid>/stat` (server) and `process.cpuUsage()` (client).',
      '',
      wssTable(wss),
    );
  }
  if (syscalls !== undefined || echo !== undefined) {
    out.push('', '### Syscalls and CPU per echo (server side)', '');
    if (syscalls !== undefined) {
      const e = config.strace.echo;
      out.push(
        `Each server in a fresh process under \`strace -c -f\` for one echo-load run (${e.connections} connections ×`,
        `${e.payloadBytes} B), whole-process counts divided by the messages echoed. strace slows the servers,`,
        'so the CPU figures come from the untraced runs above.',
        '',
        echoSyscallTable(syscalls),
      );
    }
    if (echo !== undefined) {
      const labels = echo[0]?.rows.map((r) => r.label) ?? [];
      out.push(
        '',
        'Server CPU µs per echo (untraced runs):',
        '',
        markdownTable(
          [
            'server',
            ...echo.map((c) => `${c.echoCase.connections} × ${c.echoCase.payloadBytes} B`),
          ],
          labels.map((label) => [
            label,
            ...echo.map((c) =>
              fixed(c.rows.find((r) => r.label === label)?.serverCpuUsPerMessage ?? Number.NaN, 1),
            ),
          ]),
        ),
      );
    }
  }
  if (broadcast !== undefined || syscalls !== undefined) {
    out.push(
      '',
      '### Broadcast',
      '',
      `The C load client's broadcast mode: one publisher connection keeps at most ${b.window} messages of ${b.payloadBytes} B`,
      'published but not yet delivered to every subscriber; each subscriber checks every message',
      'arrives whole and in publish order. Each server publishes to a topic every subscriber',
      'joined: wirekit `server.publish`, uWebSockets.js `app.publish`, Bun `server.publish`; ws',
      'has no topics and loops `send`, as does "wirekit (send loop)". A delivery is one message',
      'reaching one subscriber; p50/p99 are publish-to-arrival times seen by the client.',
    );
    if (broadcast !== undefined) out.push('', broadcastTable(broadcast));
    if (syscalls !== undefined) {
      out.push(
        '',
        `Syscalls per delivery (strace, ${config.strace.subscribers} subscribers):`,
        '',
        broadcastSyscallTable(syscalls),
      );
    }
  }
  const targets = checkTargets(phases, echo);
  if (targets.length > 0) {
    out.push(
      '',
      '### Targets (issue 3)',
      '',
      markdownTable(
        ['target', 'measured', 'met'],
        targets.map((t) => [t.target, t.measured, t.met ? 'yes' : '**no**']),
      ),
    );
  }
  return out.join('\n');
}
