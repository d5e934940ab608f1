/**
 * The raw HTTP/3 side of the RFC 9220 tests: wirekit's QUIC endpoint (quiche over
 * `node:dgram`) joined by hand to the core's sans-IO `Http3Session`, with none of the Node
 * WebSocket code (no `Http3Link`, no `Connection`). A raw client opens extended CONNECT
 * streams with whatever fields a test gives; a raw server answers them by hand. Either hands
 * back a request stream as a Duplex whose writes become DATA frames and whose reads are the
 * DATA payloads, so a conformance `RawPeer` sends exact WebSocket bytes over it. The QUIC
 * connection and the session stay reachable for tests that misbehave at the HTTP/3 level.
 *
 * A stream's Duplex reads with backpressure: when its buffer is full it leaves the rest in
 * quiche (`pauseReading`), so `peer.stream.pause()` holds the other side back through QUIC
 * flow control, as a paused TCP socket does.
 *
 * @example
 * ```ts
 * const raw = await openRawH3(port);
 * const answer = await raw.extendedConnect('/chat');
 * assert.equal(answer.status, 200);
 * const peer = new RawPeer(answer.stream, 'client', Buffer.alloc(0));
 * ```
 */
import { Duplex } from 'node:stream';
import type { Http3Event } from '../../../src/core/http3/http3-event.js';
import { type Http3Fields, Http3Session } from '../../../src/core/http3/http3-session.js';
import type { FieldSection } from '../../../src/core/qpack/field-section.js';
import { connectQuic } from '../../../src/node/http3/quic-client.js';
import type {
  QuicCloseInfo,
  QuicConnection,
  QuicStreamHandler,
} from '../../../src/node/http3/quic-connection.js';
import { listenQuic, type QuicServerOptions } from '../../../src/node/http3/quic-server.js';
import { testCertificate } from '../../helpers/tls-cert.js';
import { within } from '../../helpers/within.js';
import { Recorder } from './quic-fixtures.js';

/** How long one raw HTTP/3 step may take before the helper gives up. */
export const H3_WAIT_MS = 10_000;

const HOST = '127.0.0.1';

/** H3_REQUEST_CANCELLED (RFC 9114 §8.1). */
export const H3_REQUEST_CANCELLED = 0x10c;

/** Field lines as strings, names in lower case, repeated values joined with `, `. */
export function fieldsOf(section: FieldSection): Record<string, string> {
  const fields: Record<string, string> = {};
  const { names, values } = section;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const seen = fields[name];
    fields[name] = seen === undefined ? values[i]! : `${seen}, ${values[i]!}`;
  }
  return fields;
}

/** A request stream of a raw connection as a Duplex of WebSocket bytes. */
export class RawH3Stream extends Duplex {
  readonly id: number;
  readonly #link: RawH3Connection;
  #drained: ((error?: Error | null) => void) | undefined;
  #finished = false;
  #peerEnded = false;

  constructor(link: RawH3Connection, id: number) {
    super({ allowHalfOpen: true, decodeStrings: true });
    this.#link = link;
    this.id = id;
  }

  /** Server: send the response head (`:status` and `fields`); `fin` ends the stream. */
  respond(fields: Readonly<Record<string, string>>, fin = false): void {
    if (fin) this.#finished = true;
    this.#link.act((h3) => h3.sendHeaders(this.id, fields, fin));
  }

  /** Reset our side (RESET_STREAM) and ask the peer to stop (STOP_SENDING) with `code`. */
  abort(code: number = H3_REQUEST_CANCELLED): void {
    this.#finished = true;
    this.#peerEnded = true;
    this.#link.act((h3) => h3.abortStream(this.id, code));
    this.destroy();
  }

  /** @internal */
  received(data: Uint8Array): void {
    const chunk = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (!this.push(chunk)) this.#link.quic.pauseReading(this.id);
  }

  /** @internal */
  ended(): void {
    this.#peerEnded = true;
    this.push(null);
  }

  /** @internal */
  failed(message: string): void {
    this.#peerEnded = true;
    this.#finished = true;
    this.destroy(this.listenerCount('error') > 0 ? new Error(message) : undefined);
  }

  /** @internal */
  drained(): void {
    const callback = this.#drained;
    this.#drained = undefined;
    callback?.();
  }

  override _read(): void {
    this.#link.quic.resumeReading(this.id);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    const link = this.#link;
    link.act((h3) => h3.sendData(this.id, chunk));
    if (link.quic.closed || link.quic.bufferedAmount(this.id) === 0) callback();
    else this.#drained = callback;
  }

  override _final(callback: () => void): void {
    if (!this.#finished) {
      this.#finished = true;
      this.#link.act((h3) => h3.finish(this.id));
    }
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.#finished || !this.#peerEnded) this.#link.act((h3) => h3.abortStream(this.id));
    this.#finished = true;
    this.#peerEnded = true;
    this.#link.streams.delete(this.id);
    const drained = this.#drained;
    this.#drained = undefined;
    drained?.(error);
    callback(error);
  }
}

/** A response head a raw client stream got. */
export interface RawH3Response {
  readonly status: number;
  readonly fields: Record<string, string>;
}

/**
 * One raw HTTP/3 connection: a QUIC connection and a core `Http3Session`, pumped here. Events
 * the streams do not take (`settings`, `request`, `response`, `goaway`, `stream-error`, …) are
 * kept in {@link events} for the test to look at.
 */
export class RawH3Connection implements QuicStreamHandler {
  readonly quic: QuicConnection;
  readonly h3: Http3Session;
  readonly streams: Map<number, RawH3Stream> = new Map();
  /** Application events seen, in order. */
  readonly events: Http3Event[] = [];
  /** Every action the session asked for, in order (writes left out). */
  readonly actions: Http3Event[] = [];
  closeInfo: QuicCloseInfo | undefined;
  /** Errors QUIC threw at writes the session asked for (e.g. a stream past the limit). */
  readonly writeErrors: unknown[] = [];
  /**
   * What arrives on the streams written with {@link writeByHand} (bytes, FIN, RESET_STREAM and
   * STOP_SENDING codes): the session never sees those streams.
   */
  readonly byHand: Recorder = new Recorder();
  readonly #handStreams = new Set<number>();
  readonly #onRequest: ((link: RawH3Connection, event: RequestEvent) => void) | undefined;
  readonly #waiters: (() => void)[] = [];
  #pumping = false;

  constructor(
    quic: QuicConnection,
    role: 'client' | 'server',
    onRequest?: (link: RawH3Connection, event: RequestEvent) => void,
    maxFieldSectionSize?: number,
  ) {
    this.quic = quic;
    this.#onRequest = onRequest;
    this.h3 = new Http3Session({
      role,
      ...(maxFieldSectionSize === undefined ? {} : { maxFieldSectionSize }),
    });
    quic.handler = this;
    this.pump();
  }

  /** Run `step` on the session (unless the connection is gone), then pump. */
  act(step: (h3: Http3Session) => void): void {
    if (this.quic.closed) return;
    step(this.h3);
    this.pump();
  }

  /** Execute what the session queued. */
  pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      for (let item = this.h3.poll(); item !== undefined; item = this.h3.poll()) this.#apply(item);
    } finally {
      this.#pumping = false;
    }
    this.#wake();
  }

  /** Client: open an extended CONNECT stream (RFC 9220 §3) with `fields` over the usual ones. */
  extendedConnect(path = '/', fields: Readonly<Record<string, string>> = {}): RawH3Stream {
    const lines: Record<string, string> = {
      ':method': 'CONNECT',
      ':protocol': 'websocket',
      ':scheme': 'https',
      ':authority': `${HOST}:${this.quic.remotePort}`,
      ':path': path,
      'sec-websocket-version': '13',
    };
    for (const [name, value] of Object.entries(fields)) lines[name.toLowerCase()] = value;
    return this.request(lines);
  }

  /** Client: open a request stream with exactly `fields`. */
  request(fields: Http3Fields, fin = false): RawH3Stream {
    const id = this.h3.openRequest(fields, fin);
    const stream = new RawH3Stream(this, id);
    this.streams.set(id, stream);
    this.pump();
    return stream;
  }

  /**
   * Client: write `bytes` on request stream `id` straight to QUIC, past the session and its
   * checks (a header section over the server's limit, say); what comes back on that stream is
   * recorded in {@link byHand}. Use IDs the session will not open itself.
   */
  writeByHand(id: number, bytes: Uint8Array, fin = false): void {
    this.#handStreams.add(id);
    this.quic.write(id, bytes, fin);
  }

  /** Client: the final response head on `stream` (informational ones skipped). */
  async response(stream: RawH3Stream, ms: number = H3_WAIT_MS): Promise<RawH3Response> {
    let found: Extract<Http3Event, { type: 'response' }> | undefined;
    await this.until(
      () => {
        found = this.events.find(
          (e): e is Extract<Http3Event, { type: 'response' }> =>
            e.type === 'response' && e.streamId === stream.id && e.status >= 200,
        );
        return found !== undefined || this.closeInfo !== undefined || stream.destroyed;
      },
      `the response on stream ${stream.id}`,
      ms,
    );
    if (found === undefined)
      throw new Error(
        `stream ${stream.id} ended without a response${this.closeInfo ? ` (connection closed, code 0x${this.closeInfo.code.toString(16)})` : ''}`,
      );
    return { status: found.status, fields: fieldsOf(found.fields) };
  }

  /** Wait until `check` holds, re-checked after every QUIC event. */
  until(check: () => boolean, what: string, ms: number = H3_WAIT_MS): Promise<void> {
    if (check()) return Promise.resolve();
    return within(
      new Promise<void>((resolve) => {
        const test = (): void => {
          if (check()) resolve();
          else this.#waiters.push(test);
        };
        this.#waiters.push(test);
      }),
      ms,
      what,
    );
  }

  /** Close the QUIC connection with H3_NO_ERROR and wait until it is gone. */
  async shutdown(): Promise<void> {
    for (const stream of [...this.streams.values()]) stream.destroy();
    if (!this.quic.closed) {
      this.h3.close();
      this.pump();
    }
    await this.until(() => this.closeInfo !== undefined, 'the raw connection to close').catch(() =>
      this.quic.abandon(),
    );
  }

  // QuicStreamHandler
  data(c: QuicConnection, id: number, data: Uint8Array, fin: boolean): void {
    if (this.#handStreams.has(id)) this.byHand.data(c, id, data, fin);
    else this.h3.streamData(id, data, fin);
    this.pump();
  }
  reset(c: QuicConnection, id: number, code: number): void {
    if (this.#handStreams.has(id)) this.byHand.reset(c, id, code);
    else this.h3.streamReset(id, code);
    this.pump();
  }
  stopSending(c: QuicConnection, id: number, code: number): void {
    if (this.#handStreams.has(id)) this.byHand.stopSending(c, id, code);
    else this.h3.streamStopSending(id, code);
    this.pump();
  }
  drain(_c: QuicConnection, id: number): void {
    this.streams.get(id)?.drained();
  }
  close(_c: QuicConnection, info: QuicCloseInfo): void {
    this.closeInfo = info;
    for (const stream of [...this.streams.values()])
      stream.failed(`the HTTP/3 connection closed (code 0x${info.code.toString(16)})`);
    this.streams.clear();
    this.#wake();
  }

  #apply(item: Http3Event): void {
    const quic = this.quic;
    switch (item.type) {
      case 'write':
        if (!quic.closed) {
          try {
            quic.write(item.streamId, item.data, item.fin);
          } catch (error) {
            // The stream is past the peer's limit or finished: kept for the test to check.
            this.writeErrors.push(error);
          }
        }
        return;
      case 'reset-stream':
        this.actions.push(item);
        quic.resetStream(item.streamId, item.code);
        return;
      case 'stop-sending':
        this.actions.push(item);
        quic.stopSending(item.streamId, item.code);
        return;
      case 'close':
        this.actions.push(item);
        quic.close(item.code, item.reason);
        return;
      case 'request': {
        this.events.push(item);
        const stream = new RawH3Stream(this, item.streamId);
        this.streams.set(item.streamId, stream);
        this.#onRequest?.(this, { ...item, stream });
        return;
      }
      case 'data':
        this.streams.get(item.streamId)?.received(item.data);
        return;
      case 'end':
        this.events.push(item);
        this.streams.get(item.streamId)?.ended();
        return;
      case 'stream-reset':
        this.events.push(item);
        this.streams
          .get(item.streamId)
          ?.failed(`the peer reset the stream (code 0x${item.code.toString(16)})`);
        return;
      case 'stream-error':
        this.events.push(item);
        this.streams.get(item.streamId)?.failed(`HTTP/3 stream error: ${item.message}`);
        return;
      case 'settings':
      case 'request-refused':
      case 'response':
      case 'trailers':
      case 'stream-stopped':
      case 'goaway':
        this.events.push(item);
        return;
      default:
        item satisfies never;
    }
  }

  #wake(): void {
    const waiters = this.#waiters.splice(0);
    for (const waiter of waiters) waiter();
  }
}

/** A request a raw server received, with its stream. */
export type RequestEvent = Extract<Http3Event, { type: 'request' }> & {
  readonly stream: RawH3Stream;
};

/**
 * A raw client connection to 127.0.0.1:`port` (the test certificate as CA), resolved once
 * the server's SETTINGS arrived. `maxFieldSectionSize` is the client's own
 * SETTINGS_MAX_FIELD_SECTION_SIZE.
 */
export async function openRawH3(
  port: number,
  options: {
    readonly maxStreams?: number;
    readonly idleTimeout?: number;
    readonly maxFieldSectionSize?: number;
  } = {},
): Promise<RawH3Connection> {
  const { maxFieldSectionSize, ...transport } = options;
  const quic = await connectQuic({
    host: HOST,
    port,
    ca: testCertificate().cert,
    handshakeTimeout: H3_WAIT_MS,
    ...transport,
  });
  const link = new RawH3Connection(quic, 'client', undefined, maxFieldSectionSize);
  await link.until(
    () => link.h3.peerSettings !== undefined || link.closeInfo !== undefined,
    "the server's SETTINGS",
  );
  if (link.h3.peerSettings === undefined)
    throw new Error('the raw HTTP/3 connection closed before SETTINGS');
  return link;
}

/** A raw HTTP/3 server on 127.0.0.1 (the test certificate), port 0. */
export interface RawH3Server {
  readonly port: number;
  readonly links: Set<RawH3Connection>;
  /** The next request (waits up to `ms`). */
  nextRequest(ms?: number): Promise<RequestEvent>;
  close(): Promise<void>;
}

/** Start a raw HTTP/3 server; its requests queue until the test takes them. */
export async function rawH3Server(
  options: Partial<Omit<QuicServerOptions, 'connection'>> = {},
): Promise<RawH3Server> {
  const { key, cert } = testCertificate();
  const links = new Set<RawH3Connection>();
  const queued: RequestEvent[] = [];
  const waiting: ((event: RequestEvent) => void)[] = [];
  const onRequest = (_link: RawH3Connection, event: RequestEvent): void => {
    const wake = waiting.shift();
    if (wake !== undefined) wake(event);
    else queued.push(event);
  };
  const quic = await listenQuic({
    key,
    cert,
    host: HOST,
    port: 0,
    ...options,
    connection(connection) {
      const link = new RawH3Connection(connection, 'server', onRequest);
      links.add(link);
    },
  });
  return {
    port: quic.address.port,
    links,
    nextRequest(ms = H3_WAIT_MS) {
      const first = queued.shift();
      if (first !== undefined) return Promise.resolve(first);
      return within(
        new Promise<RequestEvent>((resolve) => waiting.push(resolve)),
        ms,
        'a request on the raw HTTP/3 server',
      );
    },
    async close() {
      for (const link of links) for (const stream of [...link.streams.values()]) stream.destroy();
      await quic.close(0x100, 'raw server closing', 500);
    },
  };
}
