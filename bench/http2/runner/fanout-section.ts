/**
 * Section 2: 100 WebSockets, each with one 512 B message in flight, as 100 streams of one
 * HTTP/2 session, as 100 HTTP/2 sessions of one stream each, and as 100 HTTP/1.1 TLS
 * connections. Each run gets a fresh server process, so its RSS and descriptor count belong to
 * that transport alone (read before the WebSockets open and at the end of the window).
 *
 * @example
 * ```ts
 * const rows = await runFanoutSection(config, files, log);
 * process.stdout.write(fanoutTable(rows));
 * ```
 */
import { fixed, grouped, markdownTable, times } from '../../e2e/runner/markdown-table.js';
import { withServers } from '../../e2e/runner/with-servers.js';
import { Transport } from '../client/frame-channel.js';
import type { WindowedEchoResult } from '../client/windowed-echo.js';
import { type CertificateFiles, echoServerSpec } from './echo-server-spec.js';
import type { Http2BenchConfig } from './http2-bench-config.js';
import { type LoadShape, type LoadSummary, runLoad, summarize } from './load-run.js';

/** One way of carrying the WebSockets. */
export interface FanoutRow {
  readonly label: string;
  readonly summary: LoadSummary;
}

/** Run each layout `rounds` times, rounds interleaved, a fresh server per run. */
export async function runFanoutSection(
  config: Http2BenchConfig,
  files: CertificateFiles,
  log: (line: string) => void,
): Promise<FanoutRow[]> {
  const { websockets, shape, rounds, warmupMs, durationMs } = config.fanout;
  const layouts: { readonly label: string; readonly load: LoadShape }[] = [
    {
      label: `${websockets} HTTP/1.1 TLS connections`,
      load: { transport: Transport.HTTP1_TLS, websockets, sessions: 1, ...shape },
    },
    {
      label: `${websockets} streams on 1 HTTP/2 session`,
      load: { transport: Transport.HTTP2_TLS, websockets, sessions: 1, ...shape },
    },
    {
      label: `${websockets} HTTP/2 sessions × 1 stream`,
      load: { transport: Transport.HTTP2_TLS, websockets, sessions: websockets, ...shape },
    },
  ];
  const spec = echoServerSpec(files, { label: 'serve({ http2: true, tls })' });
  const runs = layouts.map(() => [] as WindowedEchoResult[]);
  for (let round = 0; round < rounds; round++) {
    for (const [i, layout] of layouts.entries()) {
      const result = await withServers([spec], { cpu: config.serverCpu }, ([server]) =>
        runLoad(server!, layout.load, {
          ca: files.cert,
          cpu: config.clientCpu,
          warmupMs,
          durationMs,
        }),
      );
      runs[i]!.push(result);
      log(`  fan-out ${layout.label}: ${grouped(result.messagesPerSecond)} msg/s`);
    }
  }
  return layouts.map((layout, i) => ({ label: layout.label, summary: summarize(runs[i]!) }));
}

/** The section's table, ratios against the HTTP/1.1 row. */
export function fanoutTable(rows: readonly FanoutRow[]): string {
  const base = rows[0]!.summary;
  return markdownTable(
    [
      'WebSockets carried as',
      'total msg/s',
      'vs h1',
      'p50 µs',
      'p99 µs',
      'server CPU µs/msg',
      'vs h1',
      'server load',
      'client load',
      'RSS growth when open MiB',
      'RSS under load MiB',
      'server fds',
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
      fixed(s.serverCpuLoad, 2),
      fixed(s.clientCpuLoad, 2),
      fixed(s.serverRssOpenGrowthMiB, 1),
      fixed(s.serverRssMiB, 1),
      grouped(s.serverFds),
      grouped(s.longestGapMs),
    ]),
  );
}
