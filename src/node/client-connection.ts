/** The step every client transport shares once the server accepted the WebSocket. */
import type { Duplex } from 'node:stream';
import { WirekitError } from '../core/errors.js';
import { acceptDeflateResponse } from '../core/ws/permessage-deflate.js';
import type { ConnectOptions } from './connect-options.js';
import { Connection } from './connection.js';
import type { ResolvedConnectionOptions } from './connection-options.js';
import type { ResolvedDeflate } from './deflate-config.js';
import { heartbeatFor } from './heartbeat.js';
import { processReadBuffer } from './shared-read-buffer.js';
import type { StreamTraits } from './stream-traits.js';
import { createCompression } from './zlib-codec.js';

/** What {@link clientConnection} needs once a transport's handshake was accepted. */
export interface ClientConnectionInit<Data> {
  readonly stream: Duplex;
  /** How the transport ends the stream. */
  readonly traits: StreamTraits;
  /** The subprotocol and extensions answer the handshake check accepted. */
  readonly chosen: {
    readonly protocol: string | undefined;
    readonly extensions: string | undefined;
  };
  readonly deflate: ResolvedDeflate | undefined;
  readonly options: ConnectOptions<Data>;
  readonly connectionOptions: ResolvedConnectionOptions;
  readonly remoteAddress?: string;
  readonly onDispose?: (connection: Connection<Data>) => void;
  readonly reusedReadBuffer?: boolean;
}

/**
 * The steps every client transport shares after the server accepted (HTTP/1.1 101, HTTP/2
 * 200): check the permessage-deflate answer (RFC 7692 §7.1: a bad one fails the connection,
 * returned as the error) and build the connection, not started yet.
 */
export function clientConnection<Data>(
  init: ClientConnectionInit<Data>,
): Connection<Data> | WirekitError {
  const { deflate, options, connectionOptions, chosen } = init;
  const params =
    deflate === undefined
      ? undefined
      : acceptDeflateResponse(chosen.extensions, deflate.negotiation);
  if (params instanceof WirekitError) return params;
  return new Connection<Data>({
    socket: init.stream,
    traits: init.traits,
    role: 'client',
    handler: options.handler ?? {},
    data: options.data as Data,
    options: connectionOptions,
    heartbeat: heartbeatFor(connectionOptions),
    protocol: chosen.protocol ?? '',
    extensions: params === undefined ? '' : (chosen.extensions ?? ''),
    onDispose: init.onDispose,
    ...(init.remoteAddress === undefined ? {} : { remoteAddress: init.remoteAddress }),
    reusedReadBuffer: init.reusedReadBuffer ?? false,
    // Without a `readBuffer` of its own, a TCP or TLS connection reads into the process's shared
    // buffer and copies each message out (see ConnectionInit).
    ...(init.reusedReadBuffer === true ? {} : { sharedReadBuffer: processReadBuffer() }),
    compression:
      params === undefined ? undefined : createCompression(params, 'client', deflate!.settings),
  });
}
