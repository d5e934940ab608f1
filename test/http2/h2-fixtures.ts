/**
 * Shared pieces of the HTTP/2 WebSocket tests, which loop over the HTTP/2 entries of the
 * transport list (`test/transports/test-transports.ts`): a server handler that logs what each
 * connection saw (the connection's `data`), raw peers on streams of one session, and a census
 * of sockets, timers and HTTP/2 streams so a test can prove that nothing was left behind.
 *
 * @example
 * ```ts
 * const log = connectionLog();
 * const server = await serve({ ...testTransport('h2c').serve, handler: log.handler });
 * const session = await openRawSession('h2c', server.address!.port);
 * const { peer } = await openPeer(session, '/chat');
 * ```
 */
import { createHook } from 'node:async_hooks';
import type { ClientHttp2Session, ClientHttp2Stream, IncomingHttpHeaders } from 'node:http2';
import type { Duplex } from 'node:stream';
import type { ClientTlsOptions } from '../../src/node/connect.js';
import type { Connection } from '../../src/node/connection.js';
import type { UpgradeRequestInfo } from '../../src/node/upgrade-request.js';
import type { ServerHandler } from '../../src/node/websocket-server.js';
import { RawPeer } from '../conformance/raw-peer.js';
import { testCertificate } from '../helpers/tls-cert.js';
import { type Census, compareCensus, takeCensus } from '../hostile/resource-census.js';
import { type Deferred, deferred, within } from '../node/helpers.js';
import { rawExtendedConnect } from './raw-h2.js';

/** Timers that keep a test short: no heartbeat, a quick close timeout. */
export const QUICK = { pingInterval: 0, idleTimeout: 0, closeTimeout: 1_000 } as const;

/** Client TLS options trusting the test certificate. */
export function clientTls(): ClientTlsOptions {
  return { ca: testCertificate().cert };
}

/** How a connection ended, as the `close` callback reported it. */
export interface CloseReport {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/** What the server saw of one connection (its `data`). */
export interface ConnectionRecord {
  readonly request: UpgradeRequestInfo;
  readonly messages: { readonly data: Buffer; readonly isBinary: boolean }[];
  readonly closed: Deferred<CloseReport>;
  connection: Connection<ConnectionRecord> | undefined;
}

/** A logging server handler and the records it made, in upgrade order. */
export interface ConnectionLog {
  readonly handler: ServerHandler<ConnectionRecord>;
  readonly records: ConnectionRecord[];
  /** The record of the connection whose request target is `url`, once it exists. */
  recordFor(url: string): Promise<ConnectionRecord>;
  /** Its close report (bounded wait). */
  closeOf(url: string): Promise<CloseReport>;
}

/**
 * A handler that records every connection and echoes its messages (text as text, binary as
 * binary); `extra` callbacks run after the record was made (they may replace the echo by
 * setting `echo: false`).
 */
export function connectionLog(
  extra: Omit<Partial<ServerHandler<ConnectionRecord>>, 'upgrade'> & {
    /** Runs before the record is made; may throw `rejectUpgrade` or wait. */
    upgrade?(request: UpgradeRequestInfo): unknown;
    readonly echo?: boolean;
  } = {},
): ConnectionLog {
  const records: ConnectionRecord[] = [];
  const echo = extra.echo ?? true;
  const handler: ServerHandler<ConnectionRecord> = {
    async upgrade(request) {
      await extra.upgrade?.(request);
      const record: ConnectionRecord = {
        request,
        messages: [],
        closed: deferred<CloseReport>(),
        connection: undefined,
      };
      records.push(record);
      return record;
    },
    open(ws) {
      ws.data.connection = ws;
      extra.open?.(ws);
    },
    message(ws, data, isBinary) {
      ws.data.messages.push({ data: Buffer.from(data), isBinary });
      if (echo && ws.readyState === 1) ws.send(data, isBinary);
      extra.message?.(ws, data, isBinary);
    },
    drain(ws) {
      extra.drain?.(ws);
    },
    ping(ws, data) {
      extra.ping?.(ws, data);
    },
    pong(ws, data) {
      extra.pong?.(ws, data);
    },
    close(ws, code, reason, wasClean) {
      ws.data.closed.resolve({ code, reason, wasClean });
      extra.close?.(ws, code, reason, wasClean);
    },
  };
  const recordFor = async (url: string): Promise<ConnectionRecord> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const found = records.find((r) => r.request.url === url);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`no connection for ${url} on the server`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  return {
    handler,
    records,
    recordFor,
    async closeOf(url) {
      const record = await recordFor(url);
      return within(record.closed.promise, 10_000, `the server's close of ${url}`);
    },
  };
}

/** A raw client peer on a new stream of `session` after a 200 to its extended CONNECT. */
export async function openPeer(
  session: ClientHttp2Session,
  path: string,
  overrides: Readonly<Record<string, string | undefined>> = {},
): Promise<{ peer: RawPeer; stream: ClientHttp2Stream; headers: IncomingHttpHeaders }> {
  const { status, headers, stream } = await rawExtendedConnect(session, path, overrides);
  if (status !== 200) {
    stream.destroy();
    throw new Error(`CONNECT ${path} answered ${status}`);
  }
  // Like a TCP socket without allowHalfOpen answering FIN with FIN: END_STREAM from the server
  // (its "TCP close", RFC 8441 §5) is answered with ours, so the stream closes completely.
  stream.once('end', () => stream.end());
  return { peer: new RawPeer(stream, 'client', Buffer.alloc(0)), stream, headers };
}

/** Resolves when a stream has been ended by its peer (END_STREAM) or closed. */
export function streamEnded(stream: Duplex): Promise<'end' | 'close'> {
  if (stream.readableEnded) return Promise.resolve('end');
  return within(
    new Promise<'end' | 'close'>((resolve) => {
      stream.once('end', () => resolve('end'));
      stream.once('close', () => resolve('close'));
      // 'end' fires only once the buffered data is read.
      stream.resume();
    }),
    10_000,
    'the stream to end',
  );
}

// ---------------------------------------------------------------------------------------
// Census: the hostile tests' sockets and timers, plus live HTTP/2 streams.

const liveStreams = new Set<number>();
createHook({
  init(asyncId, type) {
    if (type === 'HTTP2STREAM') liveStreams.add(asyncId);
  },
  destroy(asyncId) {
    liveStreams.delete(asyncId);
  },
}).enable();

/** Sockets, timers and HTTP/2 streams alive now. */
export interface H2Census {
  readonly base: Census;
  readonly streams: number;
}

export function takeH2Census(): H2Census {
  return { base: takeCensus(), streams: liveStreams.size };
}

/**
 * Wait (bounded) until every socket, timer and HTTP/2 stream counted after `before` is gone;
 * returns what is still left (empty when nothing leaked).
 */
export async function h2LeftBehind(before: H2Census, ms = 10_000): Promise<string[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const now = takeH2Census();
    const growth = compareCensus(before.base, now.base);
    if (now.streams > before.streams)
      growth.push(`HTTP2STREAM: ${before.streams} → ${now.streams}`);
    if (growth.length === 0 || Date.now() > deadline) return growth;
    await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
  }
}
