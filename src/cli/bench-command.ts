/**
 * `wirekit bench`: a WebSocket load client (echo round trips or broadcast fan-out) printing
 * msg/s, latency percentiles and a latency histogram, one JSON object with `--json`, or
 * HdrHistogram's percentile distribution with `--hdr`. It needs a target: `--url` for a server
 * the user started, or `--local` for an in-process wirekit server of the same mode on
 * 127.0.0.1 (client and server then share this process's CPU). Without either it refuses to
 * guess, so a forgotten `--url` cannot pass for a measurement of the user's server.
 *
 * On a terminal a progress line on stderr shows the run as it goes. Ctrl-C stops the run and
 * prints what was measured, marked partial (exit 130). Anything that makes the figures wrong
 * (a refused connection, a server that closes, answers that do not match the mode) ends the
 * run with that error and no figures (exit 1).
 */
import { serve, type WebSocketServer } from '../index.js';
import { BenchProgress } from './bench-progress.js';
import { benchReport } from './bench-report.js';
import { commandHelp } from './command-help.js';
import type { Command, CommandSpec } from './command-spec.js';
import { connectFailure } from './connect-failure.js';
import { ExitCode } from './exit-code.js';
import { hdrPercentiles } from './hdr-percentiles.js';
import { LoadClient, LoadPhase, type LoadResult } from './load-client.js';
import { logBuckets } from './log-buckets.js';
import { byteSizeOption, numberOption } from './number-option.js';
import { parseArgs } from './parse-args.js';
import { BROADCAST_TOPIC, RelayMode, type RelayPeer, relayHandler } from './relay-handler.js';
import { TLS_OPTIONS, tlsOption } from './tls-options.js';
import { UsageError } from './usage-error.js';
import { websocketUrlOption } from './websocket-url-option.js';

const DEFAULT_DURATION_S = 5;
const MiB = 1024 * 1024;

const benchSpec = {
  name: 'bench',
  summary: 'Load-test a WebSocket server: N connections, round-trip latency and msg/s.',
  usage: [
    '(--url URL | --local) [--mode echo|broadcast] [--connections N]',
    '[--payload SIZE] [--messages N | --duration S] [--timeout S] [--json | --hdr]',
    '[--ca FILE] [--cert FILE --key FILE] [--insecure]   (with a wss:// --url)',
  ],
  positionals: { min: 0, max: 0 },
  options: {
    url: {
      type: 'string',
      value: 'URL',
      description: 'the server to load (ws:// or wss://), e.g. one started with wirekit serve',
    },
    local: {
      type: 'boolean',
      description: 'load an in-process wirekit server on 127.0.0.1 instead (a self-test)',
    },
    mode: {
      type: 'string',
      value: 'echo|broadcast',
      description:
        'echo: round trips per connection; broadcast: one sender, all receive (default echo)',
    },
    connections: { type: 'string', value: 'N', description: 'connections to open (default 100)' },
    payload: {
      type: 'string',
      value: 'SIZE',
      description: 'message size in bytes, K/M suffixes allowed: 512, 64K, 1M (default 512)',
    },
    messages: {
      type: 'string',
      value: 'N',
      description: 'stop after N round trips (echo) or N broadcasts (broadcast)',
    },
    duration: {
      type: 'string',
      value: 'S',
      description: `stop sending after S seconds (default ${DEFAULT_DURATION_S} when --messages is not given)`,
    },
    timeout: {
      type: 'string',
      value: 'S',
      description: 'fail when the run has not ended S seconds after it started (default 60)',
    },
    json: { type: 'boolean', description: 'print one JSON object with the results on stdout' },
    hdr: {
      type: 'boolean',
      description: 'print the latency percentile distribution in HdrHistogram text format',
    },
    ...TLS_OPTIONS,
  },
  notes: [
    'Echo: every connection keeps one binary message in flight; a sample is one round trip.\n' +
      'Broadcast: the first connection sends, the server relays to all; a sample is the time\n' +
      'until every other connection got it (payload ≥ 4 bytes: it carries a sequence number).',
    'Output: the rates, latency percentiles (ms) and a histogram of latencies in log-scaled\n' +
      'ranges. --json: one object with the same figures (latencyMs, histogram, partial, …).\n' +
      '--hdr: the percentile distribution as HdrHistogram prints it (value ms, percentile,\n' +
      'total count, 1/(1-percentile)), which its plotting tools read. On a terminal a\n' +
      'progress line on stderr shows msg/s, p50/p99 so far and errors every second.',
    'Errors: a refused connection, a server that closes a connection, or an answer that does\n' +
      'not fit the mode (an echo bench against a broadcast server) ends the run with the error\n' +
      'and no figures. Ctrl-C stops the run and prints the figures so far, marked partial.',
    'Exit status: 0 for a complete run; 1 when the run failed; 2 for a usage error; 130 after\n' +
      'Ctrl-C.',
    'Examples:\n' +
      '  wirekit serve --quiet &   wirekit bench --url ws://127.0.0.1:9001 --connections 100\n' +
      '  wirekit bench --local --duration 2 --payload 64K',
  ],
} as const satisfies CommandSpec;

/** The `bench` command. */
export const benchCommand: Command = {
  name: benchSpec.name,
  summary: benchSpec.summary,
  run: runBench,
};

async function runBench(args: readonly string[]): Promise<number> {
  const { help, values } = parseArgs(benchSpec, args);
  if (help) {
    process.stdout.write(commandHelp(benchSpec));
    return ExitCode.OK;
  }
  if (values.url === undefined && values.local !== true) {
    throw new UsageError(
      'needs a target: --url URL for a running server (e.g. wirekit serve), or --local to start one in this process',
    );
  }
  if (values.url !== undefined && values.local === true)
    throw new UsageError('--url and --local exclude each other');
  const target = values.url === undefined ? undefined : websocketUrlOption(values.url, '--url');
  const tlsGiven = Object.keys(TLS_OPTIONS).some(
    (name) => values[name as keyof typeof TLS_OPTIONS] !== undefined,
  );
  if (tlsGiven && target?.protocol !== 'wss:')
    throw new UsageError('the TLS options (--ca, --cert, --key, --insecure) need a wss:// --url');
  const tls = tlsOption(values);
  if (values.json === true && values.hdr === true)
    throw new UsageError('--json and --hdr exclude each other');
  const mode = parseMode(values.mode);
  const connections = numberOption(values.connections, '--connections', 100, {
    min: mode === RelayMode.BROADCAST ? 2 : 1,
    max: 100_000,
  });
  const payload = byteSizeOption(values.payload, '--payload', 512, {
    min: mode === RelayMode.BROADCAST ? 4 : 0,
    max: 64 * MiB,
  });
  if (values.messages !== undefined && values.duration !== undefined)
    throw new UsageError('--messages and --duration exclude each other');
  const messages =
    values.messages === undefined
      ? undefined
      : numberOption(values.messages, '--messages', 0, { min: 1 });
  const duration = numberOption(values.duration, '--duration', DEFAULT_DURATION_S, {
    min: 0.001,
    max: 3600,
    integer: false,
  });
  const timeout = numberOption(values.timeout, '--timeout', 60, {
    min: 0.001,
    max: 86_400,
    integer: false,
  });

  let server: WebSocketServer<RelayPeer> | undefined;
  let url = values.url;
  if (url === undefined) {
    server = await serve<RelayPeer>({
      port: 0,
      host: '127.0.0.1',
      handler: relayHandler({
        mode,
        publish: (data, isBinary) => server?.publish(BROADCAST_TOPIC, data, isBinary),
      }),
      pauseOnBackpressure: true,
      maxMessageSize: Math.max(payload, 16 * MiB),
      maxBackpressure: Math.max(payload, 16 * MiB) + MiB,
    });
    url = `ws://127.0.0.1:${server.address?.port}`;
  }
  let progress: BenchProgress | undefined;
  const client = new LoadClient({
    url,
    mode,
    connections,
    payload,
    messages,
    durationMs: duration * 1000,
    timeoutMs: timeout * 1000,
    ...(Object.keys(tls).length === 0 ? {} : { tls }),
    onPhase: (phase) => {
      // The first line of figures shows as soon as measuring starts, not a second later.
      if (phase === LoadPhase.MEASURING) progress?.redraw();
    },
  });
  progress = new BenchProgress(() => client.progress(), connections);
  const onInterrupt = (): void => {
    // A second Ctrl-C finds no listener and ends the process the default way.
    process.off('SIGINT', onInterrupt);
    client.interrupt();
  };
  process.on('SIGINT', onInterrupt);
  progress.start();
  let result: LoadResult;
  try {
    result = await client.run();
  } catch (error) {
    throw target === undefined ? error : connectFailure(error, target);
  } finally {
    progress.stop();
    process.off('SIGINT', onInterrupt);
    await server?.close();
  }
  const buckets = logBuckets(client.latency);
  const where = server === undefined ? undefined : 'in-process';
  if (values.json === true) {
    const report = {
      ...result,
      ...(where === undefined ? {} : { server: where }),
      histogram: buckets,
    };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } else if (values.hdr === true) {
    if (result.partial) process.stderr.write('wirekit bench: PARTIAL: interrupted (Ctrl-C)\n');
    process.stdout.write(hdrPercentiles(client.latency));
  } else {
    process.stdout.write(benchReport(result, buckets, where));
  }
  return result.partial ? ExitCode.INTERRUPTED : ExitCode.OK;
}

function parseMode(text: string | undefined): RelayMode {
  switch (text) {
    case undefined:
    case RelayMode.ECHO:
      return RelayMode.ECHO;
    case RelayMode.BROADCAST:
      return RelayMode.BROADCAST;
    default:
      throw new UsageError(`--mode is echo or broadcast, not ${JSON.stringify(text)}`);
  }
}
