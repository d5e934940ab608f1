/**
 * Section 4: where the server's time goes, from `node --cpu-prof` of a fresh server under one
 * WebSocket's windowed echo over HTTP/1.1 TLS and over HTTP/2. Self time in the measured window
 * is grouped by area (wirekit adapter and core, Node's http2 and tls JavaScript, streams,
 * native/runtime, GC) and divided by the echoes in that window, so the two transports compare
 * per message; the heaviest functions of the HTTP/2 run are listed too.
 *
 * V8 charges a native call to the JavaScript function that made it (a socket write shows up in
 * `writeGeneric`); work that native code starts by itself (nghttp2 parsing a read, TLS records,
 * libuv) is "(program)".
 *
 * @example
 * ```ts
 * const profiles = await runProfileSection(config, files, dir, log);
 * process.stdout.write(profileTables(profiles));
 * ```
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  type CpuProfile,
  type FunctionTime,
  summarizeCpuProfile,
} from '../../e2e/runner/cpu-profile-summary.js';
import { fixed, grouped, markdownTable } from '../../e2e/runner/markdown-table.js';
import { ServerProcess } from '../../e2e/runner/server-process.js';
import { Transport } from '../client/frame-channel.js';
import { sizeLabel } from './echo-section.js';
import { type CertificateFiles, echoServerSpec } from './echo-server-spec.js';
import type { EchoShape, Http2BenchConfig } from './http2-bench-config.js';
import { runLoad } from './load-run.js';

/** One profiled run. */
export interface ProfiledRun {
  readonly transport: Transport;
  readonly messagesPerSecond: number;
  /** Echoes in the profiled window. */
  readonly messages: number;
  /** Busy (non-idle) µs per echo. */
  readonly busyUsPerMessage: number;
  /** µs per echo by area. */
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
  const spawnedAt = performance.now();
  const server = await ServerProcess.start(echoServerSpec(files, { label: 'profiled' }), {
    cpu: config.serverCpu,
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-interval=${intervalUs}`],
  });
  let window = { fromMs: 0, toMs: 0 };
  let messagesPerSecond: number;
  try {
    const loadAt = performance.now() - spawnedAt;
    // Leave out start-up, the handshakes and the warm-up (and 500 ms for the client's own
    // start-up, which the load-at time does not include).
    window = { fromMs: loadAt + warmupMs + 500, toMs: loadAt + warmupMs + durationMs };
    const result = await runLoad(
      server,
      { transport, websockets: 1, sessions: 1, ...shape },
      { ca: files.cert, cpu: config.clientCpu, warmupMs, durationMs },
    );
    messagesPerSecond = result.messagesPerSecond;
  } finally {
    await server.stop();
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
    busyUsPerMessage: (summary.busyMs * 1000) / messages,
    areas,
    functions: summary.functions,
  };
}

/** Per case: µs per echo by area for both transports, then the top HTTP/2 functions. */
export function profileTables(cases: readonly ProfiledCase[], top = 12): string {
  const out: string[] = [];
  for (const { shape, runs } of cases) {
    const h1 = runs.find((r) => r.transport === Transport.HTTP1_TLS)!;
    const h2 = runs.find((r) => r.transport === Transport.HTTP2_TLS)!;
    const area = (run: ProfiledRun, name: string): number => run.areas[name] ?? 0;
    const names = [...new Set([...Object.keys(h2.areas), ...Object.keys(h1.areas)])].sort(
      (a, b) => area(h2, b) - area(h2, a),
    );
    out.push(
      `One WebSocket, ${sizeLabel(shape.payloadBytes)} × ${shape.window} in flight ` +
        `(h1 ${grouped(h1.messagesPerSecond)} msg/s, h2 ${grouped(h2.messagesPerSecond)} msg/s while profiled): ` +
        'server self time, µs per echo',
      '',
      markdownTable(
        ['area', 'HTTP/1.1 TLS', 'HTTP/2', 'h2 − h1'],
        [
          ...names
            .filter((n) => area(h1, n) >= 0.05 || area(h2, n) >= 0.05)
            .map((n) => [
              n,
              fixed(area(h1, n), 2),
              fixed(area(h2, n), 2),
              fixed(area(h2, n) - area(h1, n), 2),
            ]),
          [
            '**busy total**',
            `**${fixed(h1.busyUsPerMessage, 2)}**`,
            `**${fixed(h2.busyUsPerMessage, 2)}**`,
            `**${fixed(h2.busyUsPerMessage - h1.busyUsPerMessage, 2)}**`,
          ],
        ],
      ),
      '',
      `Heaviest functions of the HTTP/2 run (${sizeLabel(shape.payloadBytes)} × ${shape.window}):`,
      '',
      markdownTable(
        ['function', 'where', 'area', 'µs/echo', 'self %'],
        h2.functions
          .slice(0, top)
          .map((f) => [
            f.name,
            `\`${f.where}\``,
            areaOfFunction(f),
            fixed((f.selfMs * 1000) / h2.messages, 2),
            fixed(f.selfPercent, 1),
          ]),
      ),
      '',
    );
  }
  return out.join('\n').trimEnd();
}
