/**
 * The raw HTTP/2 side of the RFC 8441 tests, written with `node:http2` alone (no wirekit code):
 * a client session that performs the extended CONNECT by hand, and a server that answers it
 * by hand. Either hands back the bare stream, so a test can send exact WebSocket bytes on it
 * (wrapped in a conformance `RawPeer`) or misbehave at the HTTP/2 level (RST_STREAM, GOAWAY).
 *
 * @example
 * ```ts
 * const session = await openRawSession('h2c', port);
 * const { status, stream } = await rawExtendedConnect(session, '/chat');
 * assert.equal(status, 200);
 * ```
 */
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  createSecureServer,
  createServer,
  type Http2SecureServer,
  type Http2Server,
  connect as http2Connect,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
  type Settings,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import { testCertificate } from '../helpers/tls-cert.js';
import { within } from '../helpers/within.js';

/** h2c: cleartext with prior knowledge (RFC 9113 §3.3); h2: TLS with ALPN `h2`. */
export type H2Kind = 'h2c' | 'h2';

/** How long one raw HTTP/2 step may take before the helper gives up. */
export const H2_WAIT_MS = 10_000;

/** `http://` for h2c, `https://` for h2. */
export function originOf(kind: H2Kind, port: number): string {
  return `${kind === 'h2' ? 'https' : 'http'}://127.0.0.1:${port}`;
}

/** `ws://` for h2c, `wss://` for h2. */
export function wsUrlOf(kind: H2Kind, port: number, path = '/'): string {
  return `${kind === 'h2' ? 'wss' : 'ws'}://127.0.0.1:${port}${path}`;
}

/**
 * A client session to 127.0.0.1:`port`, resolved once the server's SETTINGS arrived (so
 * `remoteSettings.enableConnectProtocol` can be read).
 */
export function openRawSession(
  kind: H2Kind,
  port: number,
  settings: Settings = {},
): Promise<ClientHttp2Session> {
  const session = http2Connect(originOf(kind, port), {
    settings,
    ...(kind === 'h2' ? { ca: testCertificate().cert } : {}),
  });
  const ready = new Promise<ClientHttp2Session>((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    session.once('error', onError);
    session.once('close', () => reject(new Error('the session closed before its SETTINGS')));
    session.once('remoteSettings', () => {
      session.off('error', onError);
      // A later session error must never crash the test process: the tests look at streams.
      session.on('error', () => {});
      resolve(session);
    });
  });
  return within(ready, H2_WAIT_MS, `the SETTINGS of ${originOf(kind, port)}`).catch(
    (error: unknown) => {
      session.destroy();
      throw error;
    },
  );
}

/** What the server answered to a CONNECT. */
export interface RawConnectAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly stream: ClientHttp2Stream;
}

/**
 * An extended CONNECT for WebSocket (RFC 8441 §4, §5) on a new stream of `session`, with
 * fields replaced or removed (`undefined`) by `overrides`. Resolves on the response HEADERS.
 */
export function rawExtendedConnect(
  session: ClientHttp2Session,
  path = '/',
  overrides: Readonly<Record<string, string | undefined>> = {},
): Promise<RawConnectAnswer> {
  const fields: Record<string, string | undefined> = {
    ':method': 'CONNECT',
    ':protocol': 'websocket',
    ':scheme': session.encrypted ? 'https' : 'http',
    ':path': path,
    ':authority': `127.0.0.1:${session.socket.remotePort}`,
    'sec-websocket-version': '13',
    ...overrides,
  };
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(fields))
    if (value !== undefined) headers[name] = value;
  const stream = session.request(headers, { endStream: false });
  stream.on('error', () => {});
  const answer = new Promise<RawConnectAnswer>((resolve, reject) => {
    stream.once('response', (response: IncomingHttpHeaders) => {
      resolve({ status: Number(response[':status']), headers: response, stream });
    });
    stream.once('close', () =>
      reject(new Error(`the CONNECT stream closed before a response (rst ${stream.rstCode})`)),
    );
  });
  return within(answer, H2_WAIT_MS, `the answer to CONNECT ${path}`);
}

/** Read a stream's body to its end (a refusal's text), then end our side of it too. */
export function readBody(stream: ClientHttp2Stream): Promise<string> {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<string>((resolve) => {
    stream.once('end', () => {
      stream.end();
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    stream.once('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
  return within(ended, H2_WAIT_MS, 'the end of a response body');
}

/** Close a client session (GOAWAY) and wait until it is gone; destroy it if that stalls. */
export async function closeRawSession(session: ClientHttp2Session): Promise<void> {
  if (session.destroyed) return;
  const closed = new Promise<void>((resolve) => session.once('close', () => resolve()));
  session.close();
  try {
    await within(closed, 3_000, 'the raw session to close');
  } catch {
    session.destroy();
  }
}

/** A stream the raw server accepted as a WebSocket, with its request fields. */
export interface AcceptedStream {
  readonly stream: ServerHttp2Stream;
  readonly headers: IncomingHttpHeaders;
}

/** A raw HTTP/2 server on 127.0.0.1 that answers every CONNECT by hand. */
export interface RawH2Server {
  readonly port: number;
  /** Sessions it accepted so far. */
  readonly sessions: ServerHttp2Session[];
  /** CONNECT streams it received so far. */
  readonly connects: number;
  /** The next extended CONNECT it receives (answered as `answer` said), within `ms`. */
  nextStream(ms?: number): Promise<AcceptedStream>;
  /** Close every session and the listener. */
  close(): Promise<void>;
}

/** How the raw server answers a CONNECT stream; `undefined`: it never answers. */
export type RawAnswer = (headers: IncomingHttpHeaders) => OutgoingHttpHeaders | undefined;

/**
 * A raw HTTP/2 server (h2c or h2) that advertises SETTINGS_ENABLE_CONNECT_PROTOCOL unless
 * `enableConnectProtocol` is false, answers each CONNECT with `answer(headers)` (default
 * `:status 200`) and queues its stream for {@link RawH2Server.nextStream}. Other streams get 404.
 */
export async function rawH2Server(
  kind: H2Kind,
  options: {
    readonly enableConnectProtocol?: boolean;
    readonly answer?: RawAnswer;
    readonly allowHTTP1?: boolean;
  } = {},
): Promise<RawH2Server> {
  const settings: Settings = { enableConnectProtocol: options.enableConnectProtocol ?? true };
  const server: Http2Server | Http2SecureServer =
    kind === 'h2'
      ? createSecureServer({
          ...testCertificate(),
          settings,
          allowHTTP1: options.allowHTTP1 ?? false,
        })
      : createServer({ settings });
  const sessions: ServerHttp2Session[] = [];
  let connects = 0;
  const queued: AcceptedStream[] = [];
  const waiting: ((accepted: AcceptedStream) => void)[] = [];
  const answer = options.answer ?? (() => ({ ':status': 200 }));
  server.on('session', (session: ServerHttp2Session) => {
    sessions.push(session);
    session.on('error', () => {});
  });
  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    stream.on('error', () => {});
    if (headers[':method'] !== 'CONNECT') {
      stream.respond({ ':status': 404 });
      stream.end();
      return;
    }
    connects++;
    const response = answer(headers);
    if (response !== undefined)
      stream.respond(response, { endStream: Number(response[':status']) !== 200 });
    const accepted = { stream, headers };
    const next = waiting.shift();
    if (next !== undefined) next(accepted);
    else queued.push(accepted);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    sessions,
    get connects() {
      return connects;
    },
    nextStream(ms = H2_WAIT_MS) {
      const first = queued.shift();
      if (first !== undefined) return Promise.resolve(first);
      return within(
        new Promise<AcceptedStream>((resolve) => waiting.push(resolve)),
        ms,
        'a CONNECT stream on the raw server',
      );
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.destroy();
      await within(closed, H2_WAIT_MS, 'the raw HTTP/2 server to close');
    },
  };
}
