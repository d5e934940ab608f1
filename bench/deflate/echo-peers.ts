/**
 * The client side of the compression benchmarks, for wirekit and for `ws` behind one small
 * interface: open a connection with compression offered, send text, get every message back
 * through one callback with the connection's index.
 *
 * Both offer `permessage-deflate; client_max_window_bits` (context takeover, 15-bit windows),
 * the same zlib level when one is given and the same 1024-byte threshold.
 *
 * @example
 * ```ts
 * const peer = await openPeer({ library: 'ws', url, level: 1 }, 0, (index, data) => {});
 * peer.send('{"hello":1}');
 * ```
 */
import { WebSocket } from 'ws';
import { type ConnectionHandler, connect } from '../../src/index.js';

/** Which library drives the client. */
export type ClientLibrary = 'wirekit' | 'ws';

/** How to open the clients. */
export interface PeerSettings {
  readonly library: ClientLibrary;
  readonly url: string;
  /** zlib level; undefined: the library's default (wirekit 1, ws 6). */
  readonly level?: number | undefined;
  /** zlib memLevel of the client's compressor (memory of the load client only). */
  readonly memLevel?: number | undefined;
}

/** One open client connection. */
export interface EchoPeer {
  /** The agreed `Sec-WebSocket-Extensions`. */
  readonly extensions: string;
  send(text: string): void;
  /** Drop the connection without a close handshake. */
  destroy(): void;
}

/** Called with the connection's index and the message. */
export type OnEcho = (index: number, data: Buffer) => void;

const handlers = new WeakMap<OnEcho, ConnectionHandler<number>>();

function wirekitHandler(onEcho: OnEcho): ConnectionHandler<number> {
  let handler = handlers.get(onEcho);
  if (handler === undefined) {
    // One handler object for every connection, as wirekit is meant to be used.
    handler = {
      message(ws, data) {
        onEcho(ws.data, data);
      },
    };
    handlers.set(onEcho, handler);
  }
  return handler;
}

async function openWirekit(
  settings: PeerSettings,
  index: number,
  onEcho: OnEcho,
): Promise<EchoPeer> {
  const ws = await connect<number>(settings.url, {
    data: index,
    handler: wirekitHandler(onEcho),
    deflate: {
      mode: 'dedicated',
      ...(settings.level === undefined ? {} : { level: settings.level }),
      ...(settings.memLevel === undefined ? {} : { memLevel: settings.memLevel }),
    },
  });
  return {
    extensions: ws.extensions,
    send: (text) => {
      ws.sendText(text);
    },
    destroy: () => ws.terminate(),
  };
}

function openWs(settings: PeerSettings, index: number, onEcho: OnEcho): Promise<EchoPeer> {
  const zlibDeflateOptions = {
    ...(settings.level === undefined ? {} : { level: settings.level }),
    ...(settings.memLevel === undefined ? {} : { memLevel: settings.memLevel }),
  };
  const ws = new WebSocket(settings.url, { perMessageDeflate: { zlibDeflateOptions } });
  ws.on('message', (data) => onEcho(index, data as Buffer));
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => {
      ws.off('error', reject);
      ws.on('error', () => {});
      resolve({
        extensions: ws.extensions,
        send: (text) => ws.send(text),
        destroy: () => ws.terminate(),
      });
    });
  });
}

/** Open one connection. */
export function openPeer(settings: PeerSettings, index: number, onEcho: OnEcho): Promise<EchoPeer> {
  switch (settings.library) {
    case 'wirekit':
      return openWirekit(settings, index, onEcho);
    case 'ws':
      return openWs(settings, index, onEcho);
    default:
      return settings.library satisfies never;
  }
}

/** Open `count` connections, `atOnce` handshakes at a time (the accept backlog stays small). */
export async function openPeers(
  settings: PeerSettings,
  count: number,
  onEcho: OnEcho,
  atOnce = 100,
): Promise<EchoPeer[]> {
  const peers: EchoPeer[] = [];
  try {
    for (let first = 0; first < count; first += atOnce) {
      const batch: Promise<EchoPeer>[] = [];
      for (let i = first; i < Math.min(count, first + atOnce); i++)
        batch.push(openPeer(settings, i, onEcho));
      peers.push(...(await Promise.all(batch)));
    }
  } catch (error) {
    for (const peer of peers) peer.destroy();
    throw error;
  }
  return peers;
}
