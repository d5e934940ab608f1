/**
 * `wirekit serve`: an echo (or broadcast) WebSocket server on TCP or TLS, usable as a test
 * target for clients and for Autobahn's fuzzingclient. With `--http2` the same port also serves
 * WebSockets over HTTP/2 (RFC 8441): h2 by ALPN with TLS, h2c with prior knowledge without.
 * Prints one line with its URL on stdout,
 * logs connections on stderr, and on SIGINT/SIGTERM closes every connection with 1001 (going
 * away, RFC 6455 §7.4.1), waits for the close handshakes and exits 0.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { type Broker, CloseCode, runWorkers, serve, type WebSocketServer } from '../index.js';
import { commandHelp } from './command-help.js';
import type { Command, CommandSpec } from './command-spec.js';
import { DEFLATE_OPTIONS, deflateOption, describeDeflate } from './deflate-options.js';
import { ExitCode } from './exit-code.js';
import { byteSizeOption, numberOption } from './number-option.js';
import { parseArgs } from './parse-args.js';
import { BROADCAST_TOPIC, RelayMode, type RelayPeer, relayHandler } from './relay-handler.js';
import { UsageError } from './usage-error.js';

const MiB = 1024 * 1024;

const serveSpec = {
  name: 'serve',
  summary: 'Run a WebSocket echo (or broadcast) server: text comes back as text, binary as binary.',
  usage: [
    '[--port N] [--host HOST] [--path PATH] [--tls-cert FILE --tls-key FILE] [--http2] [--http3]',
    '[--echo | --broadcast] [--workers N] [--redis URL] [--max-message-size N] [--quiet]',
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
    http3: {
      type: 'boolean',
      description:
        'also serve WebSockets over HTTP/3 (RFC 9220) on the same port number over UDP (QUIC, so --tls-cert and --tls-key are needed; the optional @matrixai/quic package too); HTTP/1.1 and HTTP/2 answers advertise it with Alt-Svc',
    },
    echo: { type: 'boolean', description: 'send each message back to its sender (the default)' },
    broadcast: {
      type: 'boolean',
      description: 'send each message to every open connection (a topic they all subscribe to)',
    },
    workers: {
      type: 'string',
      value: 'N',
      description:
        'run N worker processes sharing the port (node:cluster); a broadcast reaches the connections of every worker; a worker that crashes is replaced',
    },
    redis: {
      type: 'string',
      value: 'URL',
      description:
        'publish broadcasts through Redis (redis://host:port), to every server using the same Redis (needs the redis package)',
    },
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
    'Broadcast with --workers: the workers relay publishes through the primary process; with\n' +
      '--redis they go through Redis instead, which also reaches servers on other machines.\n' +
      'Delivery between processes is at most once (see wirekit/redis).',
    'Example: wirekit serve --port 9001   then   wirekit connect ws://127.0.0.1:9001',
    'Example: wirekit serve --broadcast --workers 4 --redis redis://127.0.0.1:6379',
    'Example: wirekit serve --http2 --tls-cert cert.pem --tls-key key.pem   then\n' +
      '  wirekit connect --http2 --ca cert.pem wss://127.0.0.1:9001',
    'Example: wirekit serve --http3 --tls-cert cert.pem --tls-key key.pem   then\n' +
      '  wirekit connect --http3 --ca cert.pem wss://127.0.0.1:9001',
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
  const http3 = values.http3 === true;
  if (http3 && tls === undefined)
    throw new UsageError('--http3 needs --tls-cert and --tls-key: QUIC is always TLS');
  if (http3 && values.workers !== undefined)
    throw new UsageError(
      '--http3 goes without --workers: QUIC connections are routed by connection ID on one socket',
    );
  const log =
    values.quiet === true
      ? undefined
      : (line: string): void => {
          process.stderr.write(`${line}\n`);
        };

  const workers =
    values.workers === undefined
      ? undefined
      : numberOption(values.workers, '--workers', 1, { min: 1, max: 256 });
  const redisUrl = values.redis;
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl))
    throw new UsageError(
      `--redis takes a redis:// or rediss:// URL, not ${JSON.stringify(redisUrl)}`,
    );
  if (redisUrl !== undefined && mode !== RelayMode.BROADCAST)
    throw new UsageError('--redis goes with --broadcast');

  /** One server, with `broker` for its topics (the cluster's, or Redis). */
  const startServer = async (
    broker: Broker | undefined,
    quiet: boolean,
  ): Promise<WebSocketServer<RelayPeer> & { address: AddressInfo }> => {
    const redis = redisUrl === undefined ? undefined : await connectRedis(redisUrl);
    let server: WebSocketServer<RelayPeer> | undefined;
    const handler = relayHandler({
      mode,
      publish: (data, isBinary) => {
        server?.publish(BROADCAST_TOPIC, data, isBinary);
      },
      ...(log === undefined || quiet ? {} : { log }),
    });
    const pubsubBroker = redis ?? broker;
    const listening = await serve<RelayPeer>({
      port,
      host,
      ...(tls === undefined ? {} : { tls }),
      ...(path === undefined ? {} : { path }),
      ...(deflate === undefined ? {} : { deflate }),
      ...(http2 ? { http2 } : {}),
      ...(http3 && tls !== undefined ? { http3: { key: tls.key, cert: tls.cert } } : {}),
      ...(pubsubBroker === undefined ? {} : { pubsub: { broker: pubsubBroker } }),
      handler,
      maxMessageSize,
      // A backlog of one largest message (a big echo the peer is still reading) is not a peer
      // that stopped reading: only past that does the connection close with 1008. Reading
      // pauses meanwhile, so an echo target's backlog stays near one message.
      maxBackpressure: maxMessageSize + MiB,
      pauseOnBackpressure: true,
    });
    server = listening;
    if (redis !== undefined) {
      // The broker closes after the server, so the last close frames are not held up.
      const close = listening.close.bind(listening);
      listening.close = (...args) => close(...args).finally(() => redis.close());
    }
    return listening;
  };

  const describe = (boundPort: number, boundHost: string, extra: string): string => {
    const hostPart = boundHost.includes(':') ? `[${boundHost}]` : boundHost;
    const url = `${tls === undefined ? 'ws' : 'wss'}://${hostPart}:${boundPort}${path ?? ''}`;
    const compression = deflate === undefined ? '' : `; ${describeDeflate(deflate, 'shared')}`;
    const protocols =
      (http2 ? `; HTTP/1.1 + HTTP/2 ${tls === undefined ? 'h2c' : 'h2'}` : '') +
      (http3 ? `; HTTP/3 on UDP port ${boundPort}` : '');
    const through = redisUrl === undefined ? '' : '; through Redis';
    return `listening on ${url} (${mode}${protocols}${compression}${through}${extra})\n`;
  };

  if (workers !== undefined) {
    const pool = await runWorkers(
      {
        workers,
        onWorkerExit: ({ workerId, pid, code, signal, replaced }) => {
          if (replaced)
            log?.(
              `worker ${workerId} (pid ${pid}) exited (${signal ?? `code ${code}`}); replacing it`,
            );
        },
      },
      ({ broker }) => startServer(broker, false),
    );
    // A worker serves until its primary tells it to close (runWorkers then ends the process).
    if (pool === undefined) return new Promise<number>(() => {});
    process.stdout.write(describe(pool.port, host, `; ${pool.size} workers`));
    await untilSignal((signal) => {
      log?.(`${signal}: closing ${pool.size} worker(s), their connections with 1001`);
      return pool.close();
    });
    log?.('closed');
    return ExitCode.OK;
  }

  const server = await startServer(undefined, false);
  process.stdout.write(describe(server.address.port, server.address.address, ''));
  await untilSignal((signal) => {
    log?.(`${signal}: closing ${server.connections.size} connection(s) with 1001`);
    return server.close(CloseCode.GOING_AWAY, 'server shutting down');
  });
  log?.('closed');
  return ExitCode.OK;
}

/** Wait for SIGINT or SIGTERM, then for `stop`. A second signal ends the process the default
 * way (no listener is left). */
function untilSignal(stop: (signal: NodeJS.Signals) => Promise<void>): Promise<void> {
  return new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      void stop(signal).then(resolve);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** The Redis broker, loaded only when asked for: `redis` is an optional peer dependency. */
async function connectRedis(url: string): Promise<Broker & { close(): Promise<void> }> {
  let entry: typeof import('../node/pubsub/redis/index.js');
  try {
    entry = await import('../node/pubsub/redis/index.js');
  } catch (error) {
    throw new UsageError(
      `--redis needs the redis package (npm install redis): ${(error as Error).message}`,
    );
  }
  return entry.RedisBroker.connect(url);
}
