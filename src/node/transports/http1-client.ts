/**
 * The client's HTTP/1.1 transport (RFC 6455 §4.1): `ws://` over TCP, `wss://` over TLS (by
 * the URL's scheme), or either through an HTTP proxy's CONNECT tunnel, all from the one dialer
 * (`dial.ts`). The core's sans-IO `ClientOpeningHandshake` writes the request and reads the
 * answer: the 101's checks, the status and the start of the body of a refusal, and the frames
 * that came with the 101, which the connection reads first.
 */
import type { Socket } from 'node:net';
import { ErrorCode, WirekitError } from '../../core/errors.js';
import { ClientOpeningHandshake } from '../../core/ws/client-opening-handshake.js';
import type { HeaderPairs } from '../../core/ws/header-source.js';
import { deflateOffer, PERMESSAGE_DEFLATE } from '../../core/ws/permessage-deflate.js';
import { clientConnection } from '../client-connection.js';
import type { ConnectOptions } from '../connect-options.js';
import type { Connection } from '../connection.js';
import { resolveConnectionOptions } from '../connection-options.js';
import { deadline } from '../deadline.js';
import { resolveDeflate } from '../deflate-config.js';
import { dial } from '../dial.js';
import { nodePlatform } from '../node-platform.js';
import { resolveProxy } from '../proxy-option.js';
import { byteStreamTraits } from '../stream-traits.js';
import { parseWebSocketUrl, type WebSocketTarget } from '../websocket-url.js';
import type { ClientTransport } from './client-transport.js';

/** WebSockets over HTTP/1.1 upgrades. */
export const http1Client: ClientTransport = { open: openHttp1 };

function openHttp1<Data>(
  url: string | URL,
  options: ConnectOptions<Data> = {},
): Promise<Connection<Data>> {
  const target = parseWebSocketUrl(url);
  const proxy = resolveProxy(options.proxy, target);
  const deflate = resolveDeflate(options.deflate, false);
  const extra: HeaderPairs =
    options.headers === undefined
      ? []
      : Array.isArray(options.headers)
        ? (options.headers as HeaderPairs)
        : Object.entries(options.headers);
  // Built now so a bad header or subprotocol throws synchronously, before any socket exists.
  const handshake = new ClientOpeningHandshake({
    host: target.host,
    resource: target.resource,
    headers: extra,
    platform: nodePlatform,
    maxHeadBytes: options.maxHeadBytes ?? 16 * 1024,
    ...(deflate === undefined
      ? {}
      : { extensions: deflateOffer(deflate.negotiation), extensionNames: [PERMESSAGE_DEFLATE] }),
    ...(options.protocols === undefined ? {} : { protocols: options.protocols }),
    ...(options.origin === undefined ? {} : { origin: options.origin }),
  });
  const connectionOptions = resolveConnectionOptions(options, false);

  // With `readBuffer`, reads land in one reused buffer: copied while the handshake is parsed
  // (the HTTP reader keeps chunks), handed to the connection as views afterwards.
  const readBuffer =
    options.readBuffer === undefined
      ? undefined
      : typeof options.readBuffer === 'number'
        ? Buffer.allocUnsafe(options.readBuffer)
        : options.readBuffer;
  const reads: Http1Reads<Data> = { connection: undefined, early: [], handshake: undefined };
  const onread =
    readBuffer === undefined
      ? undefined
      : {
          buffer: readBuffer,
          callback: (length: number, buffer: Uint8Array): boolean => {
            const view = buffer.subarray(0, length);
            // false pauses the socket: each read confirms a pause the connection made.
            if (reads.connection !== undefined) return reads.connection.receive(view);
            if (reads.handshake !== undefined) reads.handshake(Buffer.from(view));
            else reads.early.push(Buffer.from(view));
            return true;
          },
        };
  const plan: Http1Plan<Data> = {
    target,
    handshake,
    deflate,
    options,
    connectionOptions,
    reusedReadBuffer: readBuffer !== undefined,
    reads,
  };
  return dial(target, {
    tls: options.tls,
    // An ALPN list with h2 would invite an h2 answer; WebSocket over TLS here is HTTP/1.1.
    alpn: ['http/1.1'],
    connectTimeout: options.connectTimeout,
    signal: options.signal,
    proxy,
    noDelay: connectionOptions.noDelay,
    onread,
    name: `WebSocket connection to ${target.href}`,
  }).then((socket) => handshakeHttp1(socket, plan));
}

/** Where the `readBuffer` callback sends what it reads, by phase. */
interface Http1Reads<Data> {
  connection: Connection<Data> | undefined;
  handshake: ((chunk: Buffer) => void) | undefined;
  /** Read before the handshake listened (a server that speaks first). */
  readonly early: Buffer[];
}

/** What the HTTP/1.1 handshake needs, built before any I/O. */
interface Http1Plan<Data> {
  readonly target: WebSocketTarget;
  /** The sans-IO opening handshake: the request to write, the answer's checks. */
  readonly handshake: ClientOpeningHandshake;
  readonly deflate: ReturnType<typeof resolveDeflate>;
  readonly options: ConnectOptions<Data>;
  readonly connectionOptions: ReturnType<typeof resolveConnectionOptions>;
  readonly reusedReadBuffer: boolean;
  readonly reads: Http1Reads<Data>;
}

// RFC 6455 §4.1 over a dialed socket: write the request, read the 101 (or the refusal) within
// `handshakeTimeout`, and hand the socket to a connection. The socket is destroyed on failure.
async function handshakeHttp1<Data>(
  socket: Socket,
  plan: Http1Plan<Data>,
): Promise<Connection<Data>> {
  const { target, options } = plan;
  try {
    return await deadline(
      {
        timeout: options.handshakeTimeout ?? 10_000,
        signal: options.signal,
        timeoutMessage: `WebSocket handshake with ${target.href} timed out`,
        abortMessage: `connecting to ${target.href} was aborted`,
        unref: true,
      },
      (giveUp) => readUpgradeResponse(socket, plan, giveUp),
    );
  } catch (error) {
    socket.on('error', () => {});
    socket.destroy();
    throw error;
  }
}

function readUpgradeResponse<Data>(
  socket: Socket,
  plan: Http1Plan<Data>,
  giveUp: AbortSignal,
): Promise<Connection<Data>> {
  const { target, handshake, deflate, options, reads } = plan;
  return new Promise<Connection<Data>>((resolve, reject) => {
    let settled = false;
    function cleanup(): void {
      giveUp.removeEventListener('abort', onGiveUp);
      reads.handshake = undefined;
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
    }
    function fail(error: unknown): void {
      if (settled) return;
      settled = true;
      cleanup();
      reject(error);
    }
    function onGiveUp(): void {
      fail(giveUp.reason);
    }
    function onError(error: Error): void {
      fail(
        new WirekitError(
          ErrorCode.CONNECTION_LOST,
          `WebSocket connection to ${target.href} failed: ${error.message}`,
          { cause: error },
        ),
      );
    }
    function onEnd(): void {
      handshake.receiveEof();
      settle();
    }
    function onData(chunk: Buffer): void {
      if (settled) return;
      handshake.receive(chunk);
      settle();
    }
    /** Act on the handshake's result, once it has one. */
    function settle(): void {
      if (settled) return;
      const event = handshake.next();
      if (event.type === 'need-data') return;
      if (event.type === 'refused') {
        const error = event.error;
        fail(
          new WirekitError(error.code, `${error.message} (${target.href})`, {
            cause: error.cause,
            ...(error.status === undefined ? {} : { status: error.status }),
          }),
        );
        return;
      }
      const made = clientConnection<Data>({
        stream: socket,
        traits: byteStreamTraits(socket),
        chosen: event,
        deflate,
        options,
        connectionOptions: plan.connectionOptions,
        reusedReadBuffer: plan.reusedReadBuffer,
      });
      if (made instanceof WirekitError) {
        fail(made);
        return;
      }
      settled = true;
      cleanup();
      reads.connection = made;
      resolve(made);
      const head = event.trailing;
      made.start(Buffer.from(head.buffer, head.byteOffset, head.length));
    }

    if (giveUp.aborted) {
      onGiveUp();
      return;
    }
    giveUp.addEventListener('abort', onGiveUp, { once: true });
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    reads.handshake = onData;
    for (const chunk of reads.early.splice(0)) onData(chunk);
    if (settled) return;
    // The dialer hands the socket over paused: nothing read is lost before these listeners.
    socket.resume();
    socket.write(handshake.request);
  });
}
