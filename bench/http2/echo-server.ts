/**
 * The HTTP/2 benchmark's echo server: one TLS port serving WebSockets over HTTP/1.1 (upgrade)
 * and over HTTP/2 (RFC 8441 extended CONNECT), chosen by ALPN, every message sent back as it
 * came. Configured by environment variables (the runner's `ServerProcess` passes `--port`):
 *
 * - `H2BENCH_CERT`, `H2BENCH_KEY`: PEM files (required);
 * - `H2BENCH_INITIAL_WINDOW`: `http2Settings.initialWindowSize` (each stream's receive window,
 *   RFC 9113 §6.5.2); default Node's 65,535;
 * - `H2BENCH_SESSION_WINDOW`: the session's receive window (`session.setLocalWindowSize`,
 *   RFC 9113 §6.9); `serve()` has no option for it, so this builds the same server by hand;
 * - `H2BENCH_COMPOSE=1`: build it by hand even without a session window (the control that
 *   shows the hand-built server measures like `serve()`).
 *
 * By hand means what `serve({ http2: true, tls })` does inside: a TLS server offering `h2` and
 * `http/1.1`, `h2` sockets handed to an unbound `http2` server whose streams go to
 * `attachHttp2`, the rest to `acceptSocket`.
 *
 * Run: `H2BENCH_CERT=c.pem H2BENCH_KEY=k.pem node dist/bench/http2/echo-server.js --port 0`
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttp2Server, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { type ServerHandler, serve, WebSocketServer } from '../../src/index.js';
import { portArgument, reportReady, type ServerStats } from '../e2e/servers/server-report.js';

const stats: ServerStats = { messages: 0 };

const handler: ServerHandler<undefined> = {
  message(ws, data, isBinary) {
    stats.messages++;
    ws.send(data, isBinary);
  },
};

function numberFromEnv(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`bad ${name}=${text}`);
  return value;
}

function fileFromEnv(name: string): Buffer {
  const path = process.env[name];
  if (path === undefined) throw new Error(`${name} must name a PEM file`);
  return readFileSync(path);
}

const tls = { cert: fileFromEnv('H2BENCH_CERT'), key: fileFromEnv('H2BENCH_KEY') };
const initialWindowSize = numberFromEnv('H2BENCH_INITIAL_WINDOW');
const sessionWindowSize = numberFromEnv('H2BENCH_SESSION_WINDOW');
const compose = process.env.H2BENCH_COMPOSE === '1' || sessionWindowSize !== undefined;
const options = {
  handler,
  // A window of large echoes queued for a slow reader is not a peer that stopped reading.
  maxBackpressure: 64 * 1024 * 1024,
  ...(initialWindowSize === undefined ? {} : { http2Settings: { initialWindowSize } }),
};

let port: number;
let detail: string;
if (compose) {
  const server = new WebSocketServer<undefined>(options);
  const h2 = createHttp2Server({
    settings: { ...options.http2Settings, enableConnectProtocol: true },
  });
  server.attachHttp2(h2);
  if (sessionWindowSize !== undefined) {
    h2.on('session', (session: ServerHttp2Session) =>
      session.setLocalWindowSize(sessionWindowSize),
    );
  }
  const listener = createTlsServer({ ...tls, ALPNProtocols: ['h2', 'http/1.1'] });
  listener.on('secureConnection', (socket: TLSSocket) => {
    if (socket.alpnProtocol === 'h2') h2.emit('connection', socket);
    else server.acceptSocket(socket);
  });
  await new Promise<void>((resolve) => listener.listen(portArgument(), '127.0.0.1', resolve));
  port = (listener.address() as AddressInfo).port;
  detail = 'tls + attachHttp2 + acceptSocket (by hand)';
} else {
  const server = await serve<undefined>({
    ...options,
    port: portArgument(),
    host: '127.0.0.1',
    tls,
    http2: true,
  });
  port = server.address!.port;
  detail = 'serve({ http2: true, tls })';
}
const windows = `initialWindowSize ${initialWindowSize ?? 'default'}, session window ${sessionWindowSize ?? 'default'}`;
reportReady('wirekit', port, `${detail}; ${windows}`, stats);
