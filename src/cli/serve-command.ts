/**
 * `wirekit serve`: an echo (or broadcast) WebSocket server on TCP or TLS, usable as a test
 * target for clients and for Autobahn's fuzzingclient. With `--http2` the same port also serves
 * WebSockets over HTTP/2 (RFC 8441): h2 by ALPN with TLS, h2c with prior knowledge without.
 * Prints one line with its URL on stdout,
 * logs connections on stderr, and on SIGINT/SIGTERM closes every connection with 1001 (going
 * away, RFC 6455 §7.4.1), waits for the close handshakes and exits 0.
 */
import { readFileSync } from 'node:fs';
import { CloseCode, serve, type WebSocketServer } from '../index.js';
import { commandHelp } from './command-help.js';
import type { Command, CommandSpec } from './command-spec.js';
import { DEFLATE_OPTIONS, deflateOption, describeDeflate } from './deflate-options.js';
import { ExitCode } from './exit-code.js';
import { byteSizeOption, numberOption } from './number-option.js';
import { parseArgs } from './parse-args.js';
import { RelayMode, type RelayPeer, relayHandler } from './relay-handler.js';
import { UsageError } from './usage-error.js';

const MiB = 1024 * 1024;

const serveSpec = {
  name: 'serve',
  summary: 'Run a WebSocket echo (or broadcast) server: text comes back as text, binary as binary.',
  usage: [
    '[--port N] [--host HOST] [--path PATH] [--tls-cert FILE --tls-key FILE] [--http2]',
    '[--echo | --broadcast] [--max-message-size N] [--quiet]',
    '[--deflate [--deflate-mode shared|dedicated] [--deflate-level N] [--deflate-threshold N]',
    '  [--deflate-mem-level N] [--deflate-server-window-bits B] [--deflate-client-window-bits B]]',
  ],
  positionals: { min: 0, max: 0 },
  options: {
    port: {
      type: 'string',
      value: 'N',
      description: 'TCP port; 0 picks a free one (default 9001)',
    },
    host: {
      type: 'string',
      value: 'HOST',
      description: 'address to listen on (default 127.0.0.1)',
    },
    path: {
      type: 'string',
      value: 'PATH',
      description: 'accept upgrades on this path only, others get 404 (default: any path)',
    },
    'tls-cert': {
      type: 'string',
      value: 'FILE',
      description: 'certificate chain (PEM): serve wss://',
    },
    'tls-key': { type: 'string', value: 'FILE', description: 'private key (PEM) of --tls-cert' },
    http2: {
      type: 'boolean',
      description:
        'also serve WebSockets over HTTP/2 (RFC 8441) on the same port: h2 with TLS, h2c without',
    },
    echo: { type: 'boolean', description: 'send each message back to its sender (the default)' },
    broadcast: { type: 'boolean', description: 'send each message to every open connection' },
    'max-message-size': {
      type: 'string',
      value: 'N',
      description:
        'largest message in bytes, K/M suffixes allowed; larger closes with 1009 (default 16M)',
    },
    quiet: { type: 'boolean', description: 'do not log connections and shutdown on stderr' },
    ...DEFLATE_OPTIONS,
  },
  notes: [
    'Prints "listening on ws://HOST:PORT/PATH" (or wss://) on stdout once listening. Ctrl-C or\n' +
      'SIGTERM closes every connection with 1001 (going away) and exits 0.',
    "Compression: with --deflate the server accepts a client's permessage-deflate offer. The\n" +
      'default mode, shared, answers with server_no_context_takeover and\n' +
      'client_no_context_takeover, so all connections share one zlib context per direction;\n' +
      "dedicated keeps each connection's contexts (smaller messages, more memory). The window\n" +
      'options cap what the server agrees to (RFC 7692 §7.1.2).',
    'Example: wirekit serve --port 9001   then   wirekit connect ws://127.0.0.1:9001',
    'Example: wirekit serve --http2 --tls-cert cert.pem --tls-key key.pem   then\n' +
      '  wirekit connect --http2 --ca cert.pem wss://127.0.0.1:9001',
  ],
} as const satisfies CommandSpec;

/** The `serve` command. */
export const serveCommand: Command = {
  name: serveSpec.name,
  summary: serveSpec.summary,
  run: runServe,
};

async function runServe(args: readonly string[]): Promise<number> {
  const { help, values } = parseArgs(serveSpec, args);
  if (help) {
    process.stdout.write(commandHelp(serveSpec));
    return ExitCode.OK;
  }
  if (values.echo === true && values.broadcast === true)
    throw new UsageError('--echo and --broadcast exclude each other');
  const mode = values.broadcast === true ? RelayMode.BROADCAST : RelayMode.ECHO;
  const port = numberOption(values.port, '--port', 9001, { min: 0, max: 65535 });
  const host = values.host ?? '127.0.0.1';
  const path = values.path;
  if (path !== undefined && !path.startsWith('/'))
    throw new UsageError(`--path must start with "/", not ${JSON.stringify(path)}`);
  const maxMessageSize = byteSizeOption(
    values['max-message-size'],
    '--max-message-size',
    16 * MiB,
    {
      min: 1,
    },
  );
  const deflate = deflateOption(values);
  const certFile = values['tls-cert'];
  const keyFile = values['tls-key'];
  if ((certFile === undefined) !== (keyFile === undefined))
    throw new UsageError('--tls-cert and --tls-key go together');
  const tls =
    certFile === undefined || keyFile === undefined
      ? undefined
      : { cert: readFileSync(certFile), key: readFileSync(keyFile) };
  const http2 = values.http2 === true;
  const log =
    values.quiet === true
      ? undefined
      : (line: string): void => {
          process.stderr.write(`${line}\n`);
        };

  let server: WebSocketServer<RelayPeer> | undefined;
  const handler = relayHandler({
    mode,
    connections: () => server?.connections ?? [],
    ...(log === undefined ? {} : { log }),
  });
  server = await serve<RelayPeer>({
    port,
    host,
    ...(tls === undefined ? {} : { tls }),
    ...(path === undefined ? {} : { path }),
    ...(deflate === undefined ? {} : { deflate }),
    ...(http2 ? { http2 } : {}),
    handler,
    maxMessageSize,
    // A backlog of one largest message (a big echo the peer is still reading) is not a peer
    // that stopped reading: only past that does the connection close with 1008. Reading pauses
    // meanwhile, so an echo target's backlog stays near one message.
    maxBackpressure: maxMessageSize + MiB,
    pauseOnBackpressure: true,
  });
  const address = server.address;
  const shownHost = address?.address ?? host;
  const hostPart = shownHost.includes(':') ? `[${shownHost}]` : shownHost;
  const url = `${tls === undefined ? 'ws' : 'wss'}://${hostPart}:${address?.port ?? port}${path ?? ''}`;
  const compression = deflate === undefined ? '' : `; ${describeDeflate(deflate, 'shared')}`;
  const protocols = http2 ? `; HTTP/1.1 + HTTP/2 ${tls === undefined ? 'h2c' : 'h2'}` : '';
  process.stdout.write(`listening on ${url} (${mode}${protocols}${compression})\n`);

  const running = server;
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      log?.(`${signal}: closing ${running.connections.size} connection(s) with 1001`);
      // A second signal finds no listener and ends the process the default way.
      void running.close(CloseCode.GOING_AWAY, 'server shutting down').then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  log?.('closed');
  return ExitCode.OK;
}
