/**
 * Conformance targets with permessage-deflate (RFC 7692): wirekit's server or client as an echo
 * endpoint with `deflate` options, and a raw peer that negotiates the extension by hand — its
 * own offer (against the server) or its own answer (against the client) — and then compresses
 * with its own codec ({@link DeflatePeer}). The same compression cases run against each.
 */
import {
  type Connection,
  type ConnectionOptions,
  connect,
  type WebSocketServer,
} from '../../src/index.js';
import type { DeflateConfig } from '../../src/node/deflate-config.js';
import { echo } from '../helpers/echo.js';
import type { RawClients, RawServer, TestTransport } from '../transports/test-transports.js';
import {
  type AgreementRequest,
  agreementFromAnswer,
  answerFor,
  DeflatePeer,
  type DeflatePeerOptions,
  offerFor,
  parseExtensions,
} from './deflate-peer.js';
import type { RawPeer } from './raw-peer.js';
import { TARGET_LIMITS } from './targets.js';

/** A wirekit endpoint with deflate on, and a way to open negotiated peers to it. */
export interface DeflateTarget {
  /** e.g. `server over TCP, deflate {"mode":"dedicated"}`. */
  readonly name: string;
  readonly side: 'server' | 'client';
  /** The wirekit side's compression mode (shared: no context takeover either way). */
  readonly mode: 'shared' | 'dedicated';
  /** The wirekit side's message size limit (cases about 1009 need it). */
  readonly maxMessageSize: number;
  /**
   * A connection whose handshake agreed `request` (as far as the wirekit side allows), or
   * agreed no extension at all for `'none'`.
   */
  open(request: AgreementRequest | 'none', options?: DeflatePeerOptions): Promise<DeflatePeer>;
  close(): Promise<void>;
}

/** The server target also exposes its raw handshake. */
export interface DeflateServerTarget extends DeflateTarget {
  /** Send an upgrade request with this `Sec-WebSocket-Extensions` (none if `undefined`). */
  handshake(offer: string | undefined): Promise<ServerHandshake>;
}

/** What the wirekit server answered. */
export interface ServerHandshake {
  /** The whole response head. */
  readonly head: string;
  /** Its `Sec-WebSocket-Extensions`, if any. */
  readonly extensions: string | undefined;
  /** The connection, when the server accepted (101, or 200 over HTTP/2). */
  readonly peer: RawPeer | undefined;
}

/** The client target also exposes its raw handshake. */
export interface DeflateClientTarget extends DeflateTarget {
  /** Let the wirekit client connect; answer its offer with `answer(offer)` (no header for
   * `undefined`). */
  handshake(answer: (offer: string | undefined) => string | undefined): Promise<ClientHandshake>;
}

/** How the wirekit client took an answer. */
export interface ClientHandshake {
  /** The client's `Sec-WebSocket-Extensions` offer, if any. */
  readonly offer: string | undefined;
  /** The open connection, or why `connect()` rejected. */
  readonly client: Connection | Error;
  readonly peer: RawPeer;
}

function describeConfig(deflate: boolean | DeflateConfig): string {
  return `deflate ${JSON.stringify(deflate)}`;
}

/** The mode a config resolves to: shared on a server and dedicated on a client by default. */
function modeOf(deflate: boolean | DeflateConfig, server: boolean): 'shared' | 'dedicated' {
  const mode = typeof deflate === 'object' ? deflate.mode : undefined;
  return mode ?? (server ? 'shared' : 'dedicated');
}

/** wirekit's echo server with `deflate` on `transport`, and raw clients that make their own
 * offers. */
export function deflateServerTarget(
  transport: TestTransport,
  deflate: boolean | DeflateConfig,
  limits: ConnectionOptions = {},
): DeflateServerTarget {
  let server: WebSocketServer | undefined;
  let raw: RawClients | undefined;
  const options = { ...TARGET_LIMITS, ...limits };
  const handshake = async (offer: string | undefined): Promise<ServerHandshake> => {
    server ??= await transport.listen({ handler: echo, deflate, ...options });
    raw ??= transport.rawClients(server.address!.port);
    const answer = await raw.open(
      offer === undefined ? {} : { headers: { 'Sec-WebSocket-Extensions': offer } },
    );
    return {
      head: answer.head,
      extensions: answer.headers['sec-websocket-extensions'],
      peer: answer.peer,
    };
  };
  return {
    name: `server over ${transport.description}, ${describeConfig(deflate)}`,
    side: 'server',
    mode: modeOf(deflate, true),
    maxMessageSize: options.maxMessageSize ?? 16 * 1024 * 1024,
    handshake,
    async open(request, peerOptions = {}) {
      const offer = request === 'none' ? undefined : offerFor(request);
      const { head, extensions, peer } = await handshake(offer);
      if (peer === undefined) throw new Error(`handshake refused: ${head}`);
      if (offer === undefined || extensions === undefined) {
        if (extensions !== undefined) throw new Error(`an extension nobody offered: ${head}`);
        return new DeflatePeer(peer, undefined, '', peerOptions);
      }
      return new DeflatePeer(peer, agreementFromAnswer(offer, extensions), extensions, peerOptions);
    },
    async close() {
      await raw?.close();
      await server?.close();
    },
  };
}

/** wirekit's echo client with `deflate` on `transport`, and a raw server that writes its own
 * answers. */
export function deflateClientTarget(
  transport: TestTransport,
  deflate: boolean | DeflateConfig,
  limits: ConnectionOptions = {},
): DeflateClientTarget {
  let raw: RawServer | undefined;
  const clients: Connection[] = [];
  const options = { ...TARGET_LIMITS, ...limits };
  const handshake = async (
    answer: (offer: string | undefined) => string | undefined,
  ): Promise<ClientHandshake> => {
    raw ??= await transport.rawServer();
    const connecting = connect(raw.url('/'), {
      ...transport.connect,
      handler: echo,
      deflate,
      ...options,
    }).then(
      (client) => {
        clients.push(client);
        return client;
      },
      (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
    );
    const request = await raw.nextRequest();
    const offer = request.headers['sec-websocket-extensions'];
    const extensions = answer(offer);
    const peer: RawPeer = request.accept(
      extensions === undefined ? {} : { 'Sec-WebSocket-Extensions': extensions },
    );
    const client = await connecting;
    return { offer, client, peer };
  };
  return {
    name: `client over ${transport.description}, ${describeConfig(deflate)}`,
    side: 'client',
    mode: modeOf(deflate, false),
    maxMessageSize: options.maxMessageSize ?? 16 * 1024 * 1024,
    handshake,
    async open(request, peerOptions = {}) {
      let answer: string | undefined;
      const { offer, client, peer } = await handshake((offered) => {
        if (request === 'none' || offered === undefined) return undefined;
        answer = answerFor(offered, request);
        return answer;
      });
      if (client instanceof Error) {
        peer.destroy();
        throw client;
      }
      if (answer === undefined || offer === undefined) {
        if (client.extensions !== '') throw new Error(`client agreed ${client.extensions}`);
        return new DeflatePeer(peer, undefined, '', peerOptions);
      }
      if (parseExtensions(client.extensions)[0]?.name !== 'permessage-deflate')
        throw new Error(`the client did not take the answer: ${client.extensions}`);
      return new DeflatePeer(peer, agreementFromAnswer(offer, answer), offer, peerOptions);
    },
    async close() {
      for (const client of clients) client.terminate();
      await raw?.close();
    },
  };
}
