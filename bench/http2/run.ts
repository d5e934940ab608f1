/**
 * WebSocket over HTTP/2 (RFC 8441) against WebSocket over HTTP/1.1 TLS, on loopback: the echo
 * server (`echo-server.ts`, `serve({ http2: true, tls })`, one port for both) pinned to core 0,
 * the load client (`load-client.ts`: raw frames over `node:tls` or `node:http2`) pinned to
 * core 1, each in its own process. Four sections:
 *
 * 1. echo over one WebSocket: 512 B and 16 KiB, one in flight and 32 in flight, h2 vs h1,
 *    the same server process;
 * 2. 100 WebSockets: 100 streams of one session vs 100 sessions vs 100 TLS connections, total
 *    msg/s, p50/p99, server RSS and descriptors (a fresh server per run);
 * 3. flow-control windows (stream and session) and their effect;
 * 4. where the server's time goes: `perf` by component (kernel, TLS, nghttp2, V8, wirekit)
 *    and `--cpu-prof` by JavaScript function, h2 vs h1.
 *
 * Medians of several runs; server CPU per message from `/proc/<pid>/stat`. Prints markdown and
 * writes it into BENCHMARKS.md under "WebSocket over HTTP/2" (the other sections stay).
 *
 * Run: `npm run bench:http2` (full, about 10 min) or `node dist/bench/http2/run.js --quick`
 * (about 1 min, does not touch BENCHMARKS.md unless `--write`). Options: `--no-pin`,
 * `--no-write`, `--out results.json`, `--only echo,fanout,windows,profile`.
 * Every process it starts is killed when it ends, also on failure or Ctrl-C; it runs from a
 * private copy of dist/ (rebuilds in the checkout during the run do not mix builds).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testCertificate } from '../../test/helpers/tls-cert.js';
import { writeSection } from '../e2e/runner/benchmarks-file.js';
import { killChildrenOnExit } from '../e2e/runner/child-processes.js';
import { inSnapshot, repositoryRoot, rerunInSnapshot } from '../e2e/runner/dist-snapshot.js';
import { loadAverage, machineInfo } from '../e2e/runner/machine-info.js';
import { fixed } from '../e2e/runner/markdown-table.js';
import { runArguments } from '../e2e/runner/run-arguments.js';
import { type EchoCaseRow, echoTable, runEchoSection, sizeLabel } from './runner/echo-section.js';
import type { CertificateFiles } from './runner/echo-server-spec.js';
import { type FanoutRow, fanoutTable, runFanoutSection } from './runner/fanout-section.js';
import { http2BenchConfig } from './runner/http2-bench-config.js';
import { type ProfiledCase, profileTables, runProfileSection } from './runner/profile-section.js';
import { runWindowSection, type WindowCaseRows, windowTables } from './runner/window-section.js';

if (!inSnapshot()) process.exit(await rerunInSnapshot(repositoryRoot(), 'bench/http2/run.js'));
killChildrenOnExit();

const args = runArguments(['echo', 'fanout', 'windows', 'profile']);
const { sections, pin, write } = args;
const config = http2BenchConfig({ quick: args.quick, pin });
const started = Date.now();
const loadBefore = loadAverage();
const machine = machineInfo();

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

const work = mkdtempSync(join(tmpdir(), 'wirekit-h2-bench-'));
try {
  const certificate = testCertificate(); // openssl; fails loudly when missing
  const files: CertificateFiles = { cert: join(work, 'cert.pem'), key: join(work, 'key.pem') };
  writeFileSync(files.cert, certificate.cert);
  writeFileSync(files.key, certificate.key);
  let echo: EchoCaseRow[] | undefined;
  let fanout: FanoutRow[] | undefined;
  let windows: WindowCaseRows[] | undefined;
  let profiles: ProfiledCase[] | undefined;
  if (sections.has('echo')) {
    log('echo over one WebSocket…');
    echo = await runEchoSection(config, files, log);
  }
  if (sections.has('fanout')) {
    log('100 WebSockets…');
    fanout = await runFanoutSection(config, files, log);
  }
  if (sections.has('windows')) {
    log('flow-control windows…');
    windows = await runWindowSection(config, files, log);
  }
  if (sections.has('profile')) {
    log('server profiles…');
    profiles = await runProfileSection(config, files, work, log);
  }
  const minutes = (Date.now() - started) / 60_000;
  const report = renderReport({ echo, fanout, windows, profiles, minutes });
  process.stdout.write(`${report}\n`);
  if (args.out !== undefined) {
    writeFileSync(
      args.out,
      JSON.stringify({ config, machine, echo, fanout, windows, profiles, minutes }, null, 2),
    );
  }
  if (write) {
    const file = join(repositoryRoot(), 'BENCHMARKS.md');
    writeSection(file, 'http2', report);
    log(`written to ${file}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

interface ReportInput {
  readonly echo: readonly EchoCaseRow[] | undefined;
  readonly fanout: readonly FanoutRow[] | undefined;
  readonly windows: readonly WindowCaseRows[] | undefined;
  readonly profiles: readonly ProfiledCase[] | undefined;
  readonly minutes: number;
}

function renderReport(input: ReportInput): string {
  const { echo, fanout, windows, profiles } = input;
  const command = config.quick ? 'node dist/bench/http2/run.js --quick' : 'npm run bench:http2';
  const out: string[] = [
    '## WebSocket over HTTP/2',
    '',
    `Generated by \`${command}\` on ${machine.date} (commit ${machine.commit}, ${fixed(input.minutes, 1)} min${config.quick ? ', QUICK SMOKE RUN' : ''}).`,
    `Machine: ${machine.cores} cores, ${machine.cpuModel}, Node ${machine.node}.`,
    pin
      ? 'Server pinned to core 0 (`taskset -c 0`), load client to core 1 (`taskset -c 1`), separate processes.'
      : 'Not pinned (taskset unavailable or `--no-pin`); server and client in separate processes.',
    `1-minute load average: ${loadBefore} at start, ${loadAverage()} at end (other work shares this 2-core machine: compare rows of one run; CPU per message is steadier than msg/s).`,
    '',
    'Server: `serve({ http2: true, tls })` from dist (bench/http2/echo-server.ts): one TLS port, ALPN',
    'picks `h2` (RFC 8441 extended CONNECT, each WebSocket a stream) or `http/1.1` (upgrade).',
    'Client (bench/http2/load-client.ts): no WebSocket library, pre-encoded masked frames over',
    '`node:tls` sockets or `node:http2` streams, a frame-boundary scanner, every echo found in a',
    'received chunk answered in one write. "N in flight": each WebSocket keeps N messages',
    'outstanding; latency is the round trip of each message (with N > 1 it includes queueing).',
    'Server CPU µs/msg: server process CPU (`/proc/<pid>/stat`) over the measured window divided by',
    'the echoes in it. Load: CPU seconds per second (1 = a core); a client load near 1 means the',
    'client set the pace. "Longest gap": the longest time in any run without an echo arriving.',
  ];
  if (echo !== undefined) {
    const e = config.echo;
    out.push(
      '',
      '### Echo over one WebSocket: HTTP/2 vs HTTP/1.1 TLS',
      '',
      `Same server process for both; ${e.warmupMs} ms warm-up, ${e.durationMs} ms measured; median of ${e.rounds} round(s),`,
      'rounds alternating which transport goes first. Ratios: h2 value / h1 value (msg/s above 1:',
      'h2 faster; µs/msg above 1: h2 costs more per message).',
      '',
      echoTable(echo),
    );
  }
  if (fanout !== undefined) {
    const f = config.fanout;
    out.push(
      '',
      `### ${f.websockets} WebSockets: one HTTP/2 session vs ${f.websockets} TLS connections`,
      '',
      `Each WebSocket echoes ${sizeLabel(f.shape.payloadBytes)} with ${f.shape.window} in flight; ${f.warmupMs} ms warm-up, ${f.durationMs} ms measured;`,
      `median of ${f.rounds} round(s), a fresh server process per run. Server RSS growth when open: RSS with`,
      'the WebSockets open and idle minus RSS before they opened; RSS under load and descriptors: at',
      'the end of the window (RSS then includes heap garbage of the load, so it varies with GC timing).',
      '',
      fanoutTable(fanout),
    );
  }
  if (windows !== undefined) {
    const w = config.windows;
    out.push(
      '',
      '### HTTP/2 flow-control windows',
      '',
      "Receive windows (RFC 9113 §5.2): Node's default is 65,535 bytes per stream",
      '(SETTINGS_INITIAL_WINDOW_SIZE) and per session. "stream window": `serve({ http2Settings: {',
      `initialWindowSize: ${w.streamWindow} } })\` and the same in the client's SETTINGS. "session window":`,
      `\`session.setLocalWindowSize(${w.sessionWindow})\` on both sides; \`serve()\` has no option for it, so`,
      'those servers are built by hand the way `serve()` builds itself (TLS server with ALPN,',
      '`attachHttp2`, `acceptSocket`), with a by-hand control at the defaults.',
      `Median of ${w.rounds} round(s); ${w.warmupMs} ms warm-up, ${w.durationMs} ms measured.`,
      '',
      windowTables(windows),
    );
  }
  if (profiles !== undefined) {
    const p = config.profile;
    out.push(
      '',
      '### Where the server spends its time (h2 vs h1)',
      '',
      `A fresh server per run under \`perf record -F 2999 -p PID\` (every thread, kernel included; JavaScript`,
      `named through \`node --perf-basic-prof\`) and \`node --cpu-prof --cpu-prof-interval=${p.intervalUs}\` at once; samples of the`,
      `measured window only (${p.durationMs} ms load after ${p.warmupMs} ms warm-up, less the client's start-up). Components:`,
      "perf's share of the server's samples times the server CPU per echo measured in that run. The",
      'profilers slow the server, so compare the two columns, not these figures with the tables above.',
      "`--cpu-prof` alone would hide most of HTTP/2's cost: V8 counts native work done in the event",
      "loop's poll phase (TLS decryption, nghttp2 parsing a read) as idle; it is used here only to",
      'name the heaviest JavaScript functions.',
      '',
      profileTables(profiles),
    );
  }
  return out.join('\n');
}
