/**
 * The server behaviour of `wirekit serve` (and of `wirekit bench`'s in-process server): echo
 * every message to its sender, or broadcast it to every open connection with topics (every
 * connection subscribes to {@link BROADCAST_TOPIC}; a message is published to it, so it is
 * framed once, and with a broker it reaches the connections of other workers and servers).
 * Text stays text and binary stays binary.
 */
import { ReadyState, type ServerHandler } from '../index.js';

/** What the server does with a message. */
export const RelayMode = {
  /** Send it back to its sender. */
  ECHO: 'echo',
  /** Send it to every open connection, the sender included. */
  BROADCAST: 'broadcast',
} as const;

/** The topic every connection of a broadcast server subscribes to. */
export const BROADCAST_TOPIC = 'broadcast';

export type RelayMode = (typeof RelayMode)[keyof typeof RelayMode];

/** Per-connection data of a relay server: a number for the log. */
export interface RelayPeer {
  readonly id: number;
  readonly address: string;
  /** `true` for a stream of an HTTP/2 session (an extended CONNECT, RFC 8441 §4). */
  readonly http2: boolean;
}

/** Options of {@link relayHandler}. */
export interface RelayOptions {
  readonly mode: RelayMode;
  /** Publish to every subscriber of {@link BROADCAST_TOPIC} (the server's `publish`). */
  readonly publish: (data: Uint8Array, isBinary: boolean) => void;
  /** Where connection events are logged; none when omitted. */
  readonly log?: (line: string) => void;
}

/**
 * A server handler that echoes or broadcasts.
 *
 * @example
 * ```ts
 * let server: WebSocketServer<RelayPeer> | undefined;
 * const handler = relayHandler({
 *   mode: 'broadcast',
 *   publish: (data, isBinary) => server?.publish(BROADCAST_TOPIC, data, isBinary),
 * });
 * server = await serve({ port: 9001, handler });
 * ```
 */
export function relayHandler(options: RelayOptions): ServerHandler<RelayPeer> {
  const { mode, publish, log } = options;
  let lastId = 0;
  let open = 0;
  return {
    upgrade(request): RelayPeer {
      lastId += 1;
      // RFC 8441 §4: over HTTP/2 the opening handshake is a CONNECT, over HTTP/1.1 a GET.
      return { id: lastId, address: request.remoteAddress, http2: request.method === 'CONNECT' };
    },
    open(ws): void {
      open += 1;
      if (mode === RelayMode.BROADCAST) ws.subscribe(BROADCAST_TOPIC);
      const what = ws.data.http2 ? 'h2 stream opened' : 'opened';
      log?.(`+ #${ws.data.id} ${ws.data.address} ${what}${openCount(open)}`);
    },
    message(ws, data, isBinary): void {
      switch (mode) {
        case RelayMode.ECHO:
          // A message can still arrive after this side started closing (§7.1.2): drop it.
          if (ws.readyState === ReadyState.OPEN) ws.send(data, isBinary);
          return;
        case RelayMode.BROADCAST:
          publish(data, isBinary);
          return;
        default:
          mode satisfies never;
      }
    },
    close(ws, code, reason, wasClean): void {
      open -= 1;
      const why = reason === '' ? '' : ` ${JSON.stringify(reason)}`;
      const clean = wasClean ? '' : ', not clean';
      log?.(`- #${ws.data.id} closed ${code}${why}${clean}${openCount(open)}`);
    },
  };
}

function openCount(open: number): string {
  return ` (${open} open)`;
}
