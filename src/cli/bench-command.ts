/**
 * `wirekit bench`: a WebSocket load client (echo round trips or broadcast fan-out) printing
 * msg/s and p50/p90/p99 latency, or one JSON object with `--json` for other benchmarks to read.
 * Without `--url` it starts an in-process wirekit server of the same mode on 127.0.0.1 for a
 * quick self-test (client and server then share this process's CPU).
 */
import { serve, type WebSocketServer } from '../index.js';
import { commandHelp } from './command-help.js';
import type { Command, CommandSpec } from './command-spec.js';
import { ExitCode } from './exit-code.js';
import { LoadClient, type LoadResult } from './load-client.js';
import { numberOption } from './number-option.js';
import { parseArgs } from './parse-args.js';
import { BROADCAST_TOPIC, RelayMode, type RelayPeer, relayHandler } from './relay-handler.js';
import { UsageError } from './usage-error.js';

const DEFAULT_DURATION_S = 5;

const benchSpec = {
  name: 'bench',
  summary: 'Load-test a WebSocket server: N connections, round-trip latency and msg/s.',
  usage: [
    '[--url URL] [--mode echo|broadcast] [--connections N] [--payload BYTES]',
    '[--messages N | --duration S] [--timeout S] [--json]',
  ],
  positionals: { min: 0, max: 0 },
  options: {
    url: {
      type: 'string',
      value: 'URL',
      description: 'server to load (default: an in-process wirekit server on 127.0.0.1)',
    },
    mode: {
      type: 'string',
      value: 'echo|broadcast',
      description:
        'echo: round trips per connection; broadcast: one sender, all receive (default echo)',
    },
    connections: { type: 'string', value: 'N', description: 'connections to open (default 100)' },
    payload: { type: 'string', value: 'BYTES', description: 'message size (default 512)' },
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
      description: 'give up after S seconds of measuring (default 60)',
    },
    json: { type: 'boolean', description: 'print one JSON object with the results on stdout' },
  },
  notes: [
    'Echo: every connection keeps one binary message in flight; a sample is one round trip.\n' +
      'Broadcast: the first connection sends, the server relays to all; a sample is the time\n' +
      'until every other connection got it (payload ≥ 4 bytes: it carries a sequence number).',
    'Exit status: 0 when the run completed with no lost or wrong message; 1 otherwise.',
    'Example: wirekit serve --quiet & wirekit bench --url ws://127.0.0.1:9001 --connections 100',
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
  const mode = parseMode(values.mode);
  const connections = numberOption(values.connections, '--connections', 100, {
    min: mode === RelayMode.BROADCAST ? 2 : 1,
    max: 100_000,
  });
  const payload = numberOption(values.payload, '--payload', 512, {
    min: mode === RelayMode.BROADCAST ? 4 : 0,
    max: 64 * 1024 * 1024,
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
    });
    url = `ws://127.0.0.1:${server.address?.port}`;
  }
  let result: LoadResult;
  try {
    result = await new LoadClient({
      url,
      mode,
      connections,
      payload,
      messages,
      durationMs: duration * 1000,
      timeoutMs: timeout * 1000,
    }).run();
  } finally {
    await server?.close();
  }
  const report = server === undefined ? result : { ...result, server: 'in-process' };
  process.stdout.write(values.json === true ? `${JSON.stringify(report)}\n` : describe(result));
  return result.complete && result.errors === 0 ? ExitCode.OK : ExitCode.FAILURE;
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

/** The human-readable report. */
function describe(result: LoadResult): string {
  const ms = (value: number): string => value.toFixed(3);
  const rate = (value: number): string => Math.round(value).toLocaleString('en-US');
  const { latencyMs: l } = result;
  const lines = [
    `wirekit bench: ${result.mode}, ${result.connections} connections, ${result.payloadBytes} B payload, ${result.url}`,
    `  ${result.messages} messages in ${result.seconds.toFixed(2)} s: ${rate(result.messagesPerSecond)} msg/s` +
      (result.mode === RelayMode.BROADCAST
        ? ` (${result.deliveries} deliveries: ${rate(result.deliveriesPerSecond)}/s)`
        : ''),
    `  latency ms: min ${ms(l.min)}  p50 ${ms(l.p50)}  p90 ${ms(l.p90)}  p99 ${ms(l.p99)}  max ${ms(l.max)}`,
  ];
  if (result.lost > 0 || result.errors > 0)
    lines.push(`  lost ${result.lost}, wrong ${result.errors}`);
  if (result.failure !== undefined) lines.push(`  stopped early: ${result.failure}`);
  return `${lines.join('\n')}\n`;
}
