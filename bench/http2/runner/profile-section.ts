/**
 * Section 4: where the server's time goes under one WebSocket's windowed echo over HTTP/1.1
 * TLS and over HTTP/2, a fresh server per run, profiled two ways at once:
 *
 * - Linux `perf` on the whole process (see `perf-profile.ts`): every CPU sample by component
 *   (kernel, TLS, nghttp2, node's http2 C++, V8, wirekit's JavaScript, memcpy, malloc), scaled
 *   to the run's measured server CPU per echo, so the two transports compare per message;
 * - `node --cpu-prof`: the heaviest JavaScript functions. V8 charges a native call to the
 *   function that made it, but counts native work of the event loop's poll phase (TLS
 *   decryption, nghttp2 parsing) as idle, which is why its totals are not used for the split.
 *
 * @example
 * ```ts
 * const profiles = await runProfileSection(config, files, dir, log);
 * process.stdout.write(profileTables(profiles));
 * ```
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type CpuProfile,
  type FunctionTime,
  summarizeCpuProfile,
} from '../../e2e/runner/cpu-profile-summary.js';
import { hasCommand } from '../../e2e/runner/machine-info.js';
import { fixed, grouped, markdownTable } from '../../e2e/runner/markdown-table.js';
import { ServerProcess } from '../../e2e/runner/server-process.js';
import { Transport } from '../client/frame-channel.js';
import { sizeLabel } from './echo-section.js';
import { type CertificateFiles, echoServerSpec } from './echo-server-spec.js';
import type { EchoShape, Http2BenchConfig } from './http2-bench-config.js';
import { runLoad } from './load-run.js';
import { perfShares, recordPerf } from './perf-profile.js';

/** One profiled run. */
export interface ProfiledRun {
  readonly transport: Transport;
  readonly messagesPerSecond: number;
  /** Echoes in the profiled window. */
  readonly messages: number;
  /** Busy (non-idle) µs per echo. */
  readonly busyUsPerMessage: number;
  /** Server CPU µs per echo over the measured window (`/proc`, profilers on). */
  readonly serverCpuUsPerMessage: number;
  /** `perf`: shares of the process's CPU samples by component; undefined without perf. */
  readonly perfShares: Readonly<Record<string, number>> | undefined;
  /** `--cpu-prof`: µs per echo by area. */
  readonly areas: Readonly<Record<string, number>>;
  readonly functions: readonly FunctionTime[];
}

/** Both transports of one case. */
export interface ProfiledCase {
  readonly shape: EchoShape;
  readonly runs: readonly ProfiledRun[];
}

/** The area of a function, with Node's http2 and tls modules named apart. */
function areaOfFunction(f: FunctionTime): string {
  if (f.where.startsWith('node:internal/http2/')) return 'node http2 (JS)';
  if (f.where.startsWith('node:_tls') || f.where.startsWith('node:internal/tls'))
    return 'node tls (JS)';
  return f.area;
}

/** Profile each case over both transports, a fresh server per run. */
export async function runProfileSection(
  config: Http2BenchConfig,
  files: CertificateFiles,
  workDir: string,
  log: (line: string) => void,
): Promise<ProfiledCase[]> {
  const out: ProfiledCase[] = [];
  for (const [c, shape] of config.profile.cases.entries()) {
    const runs: ProfiledRun[] = [];
    for (const transport of [Transport.HTTP1_TLS, Transport.HTTP2_TLS]) {
      // A run that other work on this machine stalled (a few hundred echoes) profiles nothing
      // useful: try again, at most twice.
      let run: ProfiledRun | undefined;
      for (let attempt = 0; attempt < 3 && (run === undefined || run.messages < 1000); attempt++) {
        run = await profileOnce(
          config,
          files,
          join(workDir, `profile-${c}-${transport}-${attempt}`),
          shape,
          transport,
        );
        log(
          `  profile ${shape.payloadBytes} B × ${shape.window} ${transport}: ${fixed(run.busyUsPerMessage, 1)} busy µs/msg (${grouped(run.messagesPerSecond)} msg/s)`,
        );
      }
      runs.push(run!);
    }
    out.push({ shape, runs });
  }
  return out;
}

/** One profiled run on a fresh server. */
async function profileOnce(
  config: Http2BenchConfig,
  files: CertificateFiles,
  dir: string,
  shape: EchoShape,
  transport: Transport,
): Promise<ProfiledRun> {
  const { warmupMs, durationMs, intervalUs } = config.profile;
  const withPerf = hasCommand('perf');
  const nodeArgs = ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-interval=${intervalUs}`];
  if (withPerf) nodeArgs.push('--perf-basic-prof');
  const spawnedAt = performance.now();
  const server = await ServerProcess.start(echoServerSpec(files, { label: 'profiled' }), {
    cpu: config.serverCpu,
    nodeArgs,
  });
  const perfFile = join(dir, 'perf.data');
  mkdirSync(dir, { recursive: true });
  let window = { fromMs: 0, toMs: 0 };
  let messagesPerSecond: number;
  let serverCpuUsPerMessage: number;
  let shares: Record<string, number> | undefined;
  try {
    const loadAt = performance.now() - spawnedAt;
    // Leave out start-up, the handshakes and the warm-up (and 500 ms for the client's own
    // start-up, which the load-at time does not include).
    window = { fromMs: loadAt + warmupMs + 500, toMs: loadAt + warmupMs + durationMs };
    const perfDone = withPerf
      ? sleep(warmupMs + 500).then(() =>
          recordPerf(server.pid, Math.max(500, durationMs - 1000), perfFile),
        )
      : Promise.resolve();
    // Awaited after the load; until then a perf failure must not be an unhandled rejection
    // (that would end the runner before its clean-up).
    perfDone.catch(() => {});
    const result = await runLoad(
      server,
      { transport, websockets: 1, sessions: 1, ...shape },
      { ca: files.cert, cpu: config.clientCpu, warmupMs, durationMs },
    );
    await perfDone;
    messagesPerSecond = result.messagesPerSecond;
    serverCpuUsPerMessage = result.serverCpuUsPerMessage;
    await server.stop(); // writes the .cpuprofile
    shares = withPerf ? perfShares(perfFile) : undefined;
  } finally {
    await server.stop();
    // V8's perf map of the server (--perf-basic-prof writes it to /tmp).
    rmSync(`/tmp/perf-${server.pid}.map`, { force: true });
  }
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error(`no .cpuprofile written in ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  rmSync(dir, { recursive: true, force: true });
  const summary = summarizeCpuProfile(profile, window);
  const messages = (messagesPerSecond * (window.toMs - window.fromMs)) / 1000;
  const areas: Record<string, number> = {};
  for (const f of summary.functions) {
    const area = areaOfFunction(f);
    areas[area] = (areas[area] ?? 0) + (f.selfMs * 1000) / messages;
  }
  return {
    transport,
    messagesPerSecond,
    messages,
    serverCpuUsPerMessage,
    perfShares: shares,
    busyUsPerMessage: (summary.busyMs * 1000) / messages,
    areas,
    functions: summary.functions,
  };
}

/** Per case: the server's CPU per echo by component (perf) for both transports, then the
 * heaviest JavaScript functions of each run (`--cpu-prof`). */
export function profileTables(cases: readonly ProfiledCase[], top = 10): string {
  const out: string[] = [];
  for (const { shape, runs } of cases) {
    const h1 = runs.find((r) => r.transport === Transport.HTTP1_TLS)!;
    const h2 = runs.find((r) => r.transport === Transport.HTTP2_TLS)!;
    const name = `${sizeLabel(shape.payloadBytes)} × ${shape.window} in flight`;
    out.push(
      `One WebSocket, ${name} (while profiled: h1 ${grouped(h1.messagesPerSecond)} msg/s, ` +
        `h2 ${grouped(h2.messagesPerSecond)} msg/s). Server CPU µs per echo by component (perf share × measured CPU per echo):`,
      '',
    );
    if (h1.perfShares === undefined || h2.perfShares === undefined) {
      out.push('**perf is not installed: the split by component was NOT RUN.**', '');
    } else {
      const us = (run: ProfiledRun, component: string): number =>
        (run.perfShares?.[component] ?? 0) * run.serverCpuUsPerMessage;
      const components = [
        ...new Set([...Object.keys(h2.perfShares), ...Object.keys(h1.perfShares)]),
      ].sort((a, b) => us(h2, b) - us(h2, a));
      out.push(
        markdownTable(
          ['component', 'HTTP/1.1 TLS', 'HTTP/2', 'h2 − h1'],
          [
            ...components
              .filter((c) => us(h1, c) >= 0.05 || us(h2, c) >= 0.05)
              .map((c) => [
                c,
                fixed(us(h1, c), 2),
                fixed(us(h2, c), 2),
                fixed(us(h2, c) - us(h1, c), 2),
              ]),
            [
              '**server CPU per echo**',
              `**${fixed(h1.serverCpuUsPerMessage, 2)}**`,
              `**${fixed(h2.serverCpuUsPerMessage, 2)}**`,
              `**${fixed(h2.serverCpuUsPerMessage - h1.serverCpuUsPerMessage, 2)}**`,
            ],
          ],
        ),
        '',
      );
    }
    for (const run of [h2, h1]) {
      out.push(
        `Heaviest JavaScript-thread functions, ${run.transport === Transport.HTTP2_TLS ? 'HTTP/2' : 'HTTP/1.1 TLS'}, ${name} (\`--cpu-prof\`):`,
        '',
        markdownTable(
          ['function', 'where', 'area', 'µs/echo'],
          run.functions
            .slice(0, top)
            .map((f) => [
              f.name,
              `\`${f.where}\``,
              areaOfFunction(f),
              fixed((f.selfMs * 1000) / run.messages, 2),
            ]),
        ),
        '',
      );
    }
  }
  return out.join('\n').trimEnd();
}
