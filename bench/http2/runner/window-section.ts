/**
 * Section 3: what HTTP/2 flow control costs. The same HTTP/2 echo loads against servers that
 * differ only in their receive windows (RFC 9113 §5.2, §6.9): Node's defaults (65,535 per
 * stream and per session), a larger SETTINGS_INITIAL_WINDOW_SIZE (`http2Settings`), a larger
 * session window (`setLocalWindowSize`, on a server built by hand like `serve()` builds it, with
 * a by-hand control at the defaults), and both. The client uses the same windows as the server,
 * so both directions change. An HTTP/1.1 TLS row is the reference. All servers run at once
 * (idle but the one under load) and rounds are interleaved.
 *
 * @example
 * ```ts
 * const rows = await runWindowSection(config, files, log);
 * process.stdout.write(windowTable(rows));
 * ```
 */
import { fixed, grouped, markdownTable, times } from '../../e2e/runner/markdown-table.js';
import { withServers } from '../../e2e/runner/with-servers.js';
import { Transport } from '../client/frame-channel.js';
import type { WindowedEchoResult } from '../client/windowed-echo.js';
import { sizeLabel } from './echo-section.js';
import { type CertificateFiles, echoServerSpec, type ServerVariant } from './echo-server-spec.js';
import type { EchoShape, Http2BenchConfig } from './http2-bench-config.js';
import { type LoadShape, type LoadSummary, runLoad, summarize } from './load-run.js';

/** One load case with every window variant. */
export interface WindowCaseRows {
  readonly shape: EchoShape & { readonly websockets: number };
  readonly rows: readonly { readonly label: string; readonly summary: LoadSummary }[];
}

interface Variant {
  readonly label: string;
  readonly server: ServerVariant;
  readonly transport: Transport;
  readonly initialWindowSize?: number;
  readonly sessionWindowSize?: number;
}

function variants(streamWindow: number, sessionWindow: number): Variant[] {
  const stream = sizeLabel(streamWindow);
  const session = sizeLabel(sessionWindow);
  const h2 = Transport.HTTP2_TLS;
  return [
    { label: 'h2, defaults (serve)', server: { label: 'defaults' }, transport: h2 },
    {
      label: `h2, stream window ${stream} (serve)`,
      server: { label: 'stream', initialWindowSize: streamWindow },
      transport: h2,
      initialWindowSize: streamWindow,
    },
    {
      label: 'h2, defaults (by hand: control)',
      server: { label: 'by hand', compose: true },
      transport: h2,
    },
    {
      label: `h2, session window ${session} (by hand)`,
      server: { label: 'session', sessionWindowSize: sessionWindow },
      transport: h2,
      sessionWindowSize: sessionWindow,
    },
    {
      label: `h2, stream ${stream} + session ${session} (by hand)`,
      server: {
        label: 'both',
        initialWindowSize: streamWindow,
        sessionWindowSize: sessionWindow,
      },
      transport: h2,
      initialWindowSize: streamWindow,
      sessionWindowSize: sessionWindow,
    },
    {
      label: 'HTTP/1.1 TLS (reference)',
      server: { label: 'h1 reference' },
      transport: Transport.HTTP1_TLS,
    },
  ];
}

/** Run every case against every variant, `rounds` times. */
export function runWindowSection(
  config: Http2BenchConfig,
  files: CertificateFiles,
  log: (line: string) => void,
): Promise<WindowCaseRows[]> {
  const { cases, rounds, warmupMs, durationMs, streamWindow, sessionWindow } = config.windows;
  const all = variants(streamWindow, sessionWindow);
  const specs = all.map((v) => echoServerSpec(files, v.server));
  return withServers(specs, { cpu: config.serverCpu }, async (servers) => {
    const runs = cases.map(() => all.map(() => [] as WindowedEchoResult[]));
    for (let round = 0; round < rounds; round++) {
      for (const [c, shape] of cases.entries()) {
        for (const [v, variant] of all.entries()) {
          const load: LoadShape = {
            transport: variant.transport,
            websockets: shape.websockets,
            sessions: 1,
            payloadBytes: shape.payloadBytes,
            window: shape.window,
            initialWindowSize: variant.initialWindowSize,
            sessionWindowSize: variant.sessionWindowSize,
          };
          const result = await runLoad(servers[v]!, load, {
            ca: files.cert,
            cpu: config.clientCpu,
            warmupMs,
            durationMs,
          });
          runs[c]![v]!.push(result);
          log(
            `  windows ${shape.websockets} × ${shape.payloadBytes} B × ${shape.window} ${variant.label}: ` +
              `${grouped(result.messagesPerSecond)} msg/s`,
          );
        }
      }
    }
    return cases.map((shape, c) => ({
      shape,
      rows: all.map((variant, v) => ({ label: variant.label, summary: summarize(runs[c]![v]!) })),
    }));
  });
}

/** One table per case, ratios against the HTTP/2 defaults row. */
export function windowTables(cases: readonly WindowCaseRows[]): string {
  const out: string[] = [];
  for (const { shape, rows } of cases) {
    const base = rows[0]!.summary;
    out.push(
      `${shape.websockets === 1 ? 'One WebSocket' : `${shape.websockets} WebSockets on one session`}, ` +
        `${sizeLabel(shape.payloadBytes)} messages, ${shape.window} in flight each:`,
      '',
      markdownTable(
        [
          'windows',
          'msg/s',
          'vs h2 defaults',
          'p50 µs',
          'p99 µs',
          'server CPU µs/msg',
          'vs h2 defaults',
          'client load',
          'longest gap ms',
        ],
        rows.map(({ label, summary: s }) => [
          label,
          grouped(s.messagesPerSecond),
          times(s.messagesPerSecond / base.messagesPerSecond),
          grouped(s.p50Us),
          grouped(s.p99Us),
          fixed(s.serverCpuUsPerMessage, 1),
          times(s.serverCpuUsPerMessage / base.serverCpuUsPerMessage),
          fixed(s.clientCpuLoad, 2),
          grouped(s.longestGapMs),
        ]),
      ),
      '',
    );
  }
  return out.join('\n').trimEnd();
}
