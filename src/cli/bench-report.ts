/**
 * The human-readable result of `wirekit bench`: what ran, the rates, latency percentiles and a
 * latency histogram. A partial result (Ctrl-C) says so on its first line.
 */
import { latencyBars } from './latency-bars.js';
import type { LoadResult } from './load-client.js';
import type { LogBucket } from './log-buckets.js';
import { sizeText } from './number-option.js';
import { RelayMode } from './relay-handler.js';

/**
 * The report, lines ending in newlines.
 *
 * @example
 * ```ts
 * process.stdout.write(benchReport(result, logBuckets(client.latency), 'in-process'));
 * ```
 */
export function benchReport(
  result: LoadResult,
  buckets: readonly LogBucket[],
  server: string | undefined,
): string {
  const ms = (value: number): string => value.toFixed(3);
  const rate = (value: number): string => Math.round(value).toLocaleString('en-US');
  const where = server === undefined ? result.url : `${result.url} (${server} server)`;
  const size = sizeText(result.payloadBytes);
  const payload = /\d$/.test(size) ? `${size} B` : `${size}iB`; // 512 B, 1536 B, 64KiB, 1MiB
  const lines = [
    `wirekit bench: ${result.mode}, ${plural(result.connections, 'connection')}, ${payload} payload, ${where}`,
  ];
  if (result.partial) {
    const inFlight =
      result.inFlight === 0 ? '' : `; ${plural(result.inFlight, 'message')} in flight not counted`;
    lines.push(`  PARTIAL: interrupted (Ctrl-C)${inFlight}`);
  }
  if (result.messages === 0) {
    lines.push('  no message completed: no figures');
    return `${lines.join('\n')}\n`;
  }
  const l = result.latencyMs;
  lines.push(
    `  ${result.messages.toLocaleString('en-US')} messages in ${result.seconds.toFixed(2)} s: ${rate(result.messagesPerSecond)} msg/s` +
      (result.mode === RelayMode.BROADCAST
        ? ` (${result.deliveries.toLocaleString('en-US')} deliveries: ${rate(result.deliveriesPerSecond)}/s)`
        : ''),
    `  latency ms: min ${ms(l.min)}  p50 ${ms(l.p50)}  p90 ${ms(l.p90)}  p99 ${ms(l.p99)}  p99.9 ${ms(l.p999)}  max ${ms(l.max)}`,
    '  latency histogram:',
    ...latencyBars(buckets).map((line) => `  ${line}`),
  );
  return `${lines.join('\n')}\n`;
}

/** `1 connection`, `2 connections`. */
function plural(count: number, noun: string): string {
  return `${count.toLocaleString('en-US')} ${noun}${count === 1 ? '' : 's'}`;
}
