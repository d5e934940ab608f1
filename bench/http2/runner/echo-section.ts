/**
 * Section 1: one WebSocket echoing 512 B and 16 KiB messages, one in flight and a window of
 * 32, over HTTP/2 (a stream of a TLS session) and over HTTP/1.1 TLS, against the same server
 * process (`serve({ http2: true, tls })`, ALPN picks the protocol). Rounds alternate which
 * transport goes first; the table shows medians and the HTTP/2 : HTTP/1.1 ratios.
 *
 * @example
 * ```ts
 * const rows = await runEchoSection(config, files);
 * process.stdout.write(echoTable(rows));
 * ```
 */
import { fixed, grouped, markdownTable, times } from '../../e2e/runner/markdown-table.js';
import { withServers } from '../../e2e/runner/with-servers.js';
import { Transport } from '../client/frame-channel.js';
import type { WindowedEchoResult } from '../client/windowed-echo.js';
import { type CertificateFiles, echoServerSpec } from './echo-server-spec.js';
import type { EchoShape, Http2BenchConfig } from './http2-bench-config.js';
import { type LoadSummary, runLoad, summarize } from './load-run.js';

/** One case: both transports. */
export interface EchoCaseRow {
  readonly shape: EchoShape;
  readonly http1: LoadSummary;
  readonly http2: LoadSummary;
}

const TRANSPORTS = [Transport.HTTP1_TLS, Transport.HTTP2_TLS] as const;

/** Run every case on both transports, `rounds` times. */
export function runEchoSection(
  config: Http2BenchConfig,
  files: CertificateFiles,
  log: (line: string) => void,
): Promise<EchoCaseRow[]> {
  const { cases, rounds, warmupMs, durationMs } = config.echo;
  const spec = echoServerSpec(files, { label: 'serve({ http2: true, tls })' });
  return withServers([spec], { cpu: config.serverCpu }, async ([server]) => {
    const runs = cases.map(() => TRANSPORTS.map(() => [] as WindowedEchoResult[]));
    for (let round = 0; round < rounds; round++) {
      for (const [c, shape] of cases.entries()) {
        const order = round % 2 === 0 ? [0, 1] : [1, 0];
        for (const t of order) {
          const transport = TRANSPORTS[t]!;
          const result = await runLoad(
            server!,
            { transport, websockets: 1, sessions: 1, ...shape },
            { ca: files.cert, cpu: config.clientCpu, warmupMs, durationMs },
          );
          runs[c]![t]!.push(result);
          log(
            `  echo ${shape.payloadBytes} B × ${shape.window} ${transport}: ${grouped(result.messagesPerSecond)} msg/s, ` +
              `${fixed(result.serverCpuUsPerMessage, 1)} µs/msg`,
          );
        }
      }
    }
    return cases.map((shape, c) => ({
      shape,
      http1: summarize(runs[c]![0]!),
      http2: summarize(runs[c]![1]!),
    }));
  });
}

/** The section's table: per case, both transports and the ratios. */
export function echoTable(rows: readonly EchoCaseRow[]): string {
  const line = (label: string, s: LoadSummary): string[] => [
    label,
    grouped(s.messagesPerSecond),
    grouped(s.p50Us),
    grouped(s.p99Us),
    fixed(s.serverCpuUsPerMessage, 1),
    fixed(s.serverCpuLoad, 2),
    fixed(s.clientCpuLoad, 2),
    grouped(s.longestGapMs),
  ];
  const body: string[][] = [];
  for (const { shape, http1, http2 } of rows) {
    const name = `${sizeLabel(shape.payloadBytes)}, ${shape.window} in flight`;
    body.push(line(`${name}: HTTP/1.1 TLS`, http1));
    body.push(line(`${name}: HTTP/2 (h2)`, http2));
    body.push([
      `${name}: **h2 / h1**`,
      `**${times(http2.messagesPerSecond / http1.messagesPerSecond)}**`,
      times(http2.p50Us / http1.p50Us),
      times(http2.p99Us / http1.p99Us),
      `**${times(http2.serverCpuUsPerMessage / http1.serverCpuUsPerMessage)}**`,
      '',
      '',
      '',
    ]);
  }
  return markdownTable(
    [
      'case: transport',
      'msg/s',
      'p50 µs',
      'p99 µs',
      'server CPU µs/msg',
      'server load',
      'client load',
      'longest gap ms',
    ],
    body,
  );
}

/** `512 B`, `16 KiB`. */
export function sizeLabel(bytes: number): string {
  return bytes >= 1024 && bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} B`;
}
