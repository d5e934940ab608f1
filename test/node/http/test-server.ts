/**
 * A `node:http` (or `node:https`) server on 127.0.0.1 for the HTTP client tests, with one route
 * per behaviour under test, a log of the requests it saw and a count of the TCP connections it
 * accepted (to tell reuse from reconnects). `stop()` closes it and every socket it holds;
 * `restart()` listens again on the same port (a server that comes back).
 */
import { once } from 'node:events';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { testCertificate } from '../../helpers/tls-cert.js';

/** What the server saw of one request. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

export interface TestServer {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /** Requests in arrival order (bodies fully read). */
  readonly requests: SeenRequest[];
  /** TCP connections accepted since the start. */
  connections(): number;
  /** Close the listener and every connection. */
  stop(): Promise<void>;
  /** Listen again on the same port. */
  restart(): Promise<void>;
}

export const JSON_BODY = { ok: true, symbol: 'BTC-USD', price: 65_000.5 };

/**
 * Routes (path before `?`):
 * - `/json`: 200 JSON with Content-Length; `/echo`: the request body back, with its method.
 * - `/chunked`: three writes, chunked, with a trailer `x-checksum`.
 * - `/close`: 200 with `Connection: close`.
 * - `/close-delimited`: raw bytes, no length, then the server closes (RFC 9112 §6.3 item 8).
 * - `/slow`: never answers (until the server stops).
 * - `/drop`: head and part of the body, then the socket is destroyed.
 * - `/hangup`: the socket is destroyed before any byte of a response.
 * - `/no-content`: 204; `/not-modified`: 304 with an ETag.
 * - `/early-hints`: a 103 interim response, then 200.
 * - `/large?bytes=N`: N bytes of a pattern (`i & 0xff`).
 * - `/status?code=N`: that status, empty JSON body.
 * - `/reject-upload`: 413 at once, without reading the request body.
 */
export async function startServer(options: { tls?: boolean } = {}): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  let accepted = 0;
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0]!;
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    if (path === '/reject-upload') {
      requests.push({
        method: req.method!,
        url: req.url!,
        headers: req.headers,
        body: Buffer.alloc(0),
      });
      res.writeHead(413, { 'content-type': 'text/plain' });
      res.end('too large');
      return;
    }
    const parts: Buffer[] = [];
    req.on('data', (chunk: Buffer) => parts.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      requests.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      route(path, query, req, res, body);
    });
  };
  const server = options.tls
    ? createHttpsServer({ ...testCertificate() }, handler)
    : createHttpServer(handler);
  server.on('connection', (socket: Socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // TLS servers report the TCP socket under 'connection' too; secure sockets close with it.
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const scheme = options.tls ? 'https' : 'http';
  const stop = async (): Promise<void> => {
    if (!server.listening) {
      for (const s of sockets) s.destroy();
      return;
    }
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    for (const s of sockets) s.destroy();
    await closed;
  };
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    port,
    server: server as Server,
    requests,
    connections: () => accepted,
    stop,
    restart: async () => {
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
    },
  };
}

function route(
  path: string,
  query: URLSearchParams,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
): void {
  switch (path) {
    case '/json': {
      const text = JSON.stringify(JSON_BODY);
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
        'x-seen-key': req.headers['x-api-key'] ?? '',
      });
      res.end(req.method === 'HEAD' ? undefined : text);
      return;
    }
    case '/echo':
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'x-method': req.method });
      res.end(body);
      return;
    case '/chunked':
      res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-checksum' });
      res.write('alpha,');
      res.write('beta,');
      res.write('gamma');
      res.addTrailers({ 'x-checksum': 'abc123' });
      res.end();
      return;
    case '/close':
      res.writeHead(200, { connection: 'close', 'content-length': 3 });
      res.end('bye');
      return;
    case '/close-delimited':
      req.socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the server closes');
      return;
    case '/slow':
      return; // never answered
    case '/drop':
      res.writeHead(200, { 'content-length': 1000 });
      res.write('only part of the body');
      setImmediate(() => req.socket.destroy());
      return;
    case '/hangup':
      req.socket.destroy();
      return;
    case '/no-content':
      res.writeHead(204, { 'x-kind': 'no-content' });
      res.end();
      return;
    case '/not-modified':
      res.writeHead(304, { etag: '"v1"' });
      res.end();
      return;
    case '/early-hints':
      res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
      res.writeHead(200, { 'content-length': 5 });
      res.end('hints');
      return;
    case '/large': {
      const n = Number(query.get('bytes') ?? '0');
      const data = Buffer.alloc(n);
      for (let i = 0; i < n; i++) data[i] = i & 0xff;
      res.writeHead(200, { 'content-length': n });
      res.end(data);
      return;
    }
    case '/status':
      res.writeHead(Number(query.get('code') ?? '200'), { 'content-type': 'application/json' });
      res.end('{}');
      return;
    default:
      res.writeHead(404, { 'content-length': 0 });
      res.end();
  }
}

/** Polls `condition` every few ms; rejects with `what` after `ms`. */
export async function until(condition: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Asserts `promise` rejects with a WirekitError of `code`, and returns it. */
export async function rejectsWith(promise: Promise<unknown>, code: string): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    const actual = (error as { code?: unknown }).code;
    if (actual !== code) {
      throw new Error(`expected ${code}, got ${String(actual)}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return error as Error;
  }
  throw new Error(`expected a rejection with ${code}, but it resolved`);
}
