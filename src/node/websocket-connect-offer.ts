/**
 * The extended CONNECT a WebSocket client offers over HTTP/2 (RFC 8441 §4) and HTTP/3
 * (RFC 9220 §3): one builder, so both transports send the same fields for the same options.
 */
import type { ExtendedConnectOptions } from '../core/ws/extended-connect.js';
import { deflateOffer } from '../core/ws/permessage-deflate.js';
import type { ResolvedDeflate } from './deflate-config.js';

/** The connect options the offer reads. */
export interface WebSocketOfferOptions {
  /** Extra request fields. */
  readonly headers?: ExtendedConnectOptions['headers'];
  /** Subprotocols to offer, in order of preference. */
  readonly protocols?: readonly string[];
  /** The `origin` field to send. */
  readonly origin?: string;
}

/** The `:scheme`, `:authority`, `:path` and WebSocket fields of one opening request. */
export function websocketConnectOffer(
  scheme: ExtendedConnectOptions['scheme'],
  authority: string,
  path: string,
  options: WebSocketOfferOptions,
  deflate: ResolvedDeflate | undefined,
): ExtendedConnectOptions {
  return {
    scheme,
    authority,
    path,
    ...(options.headers === undefined ? {} : { headers: options.headers }),
    ...(options.protocols === undefined ? {} : { protocols: options.protocols }),
    ...(options.origin === undefined ? {} : { origin: options.origin }),
    ...(deflate === undefined ? {} : { extensions: deflateOffer(deflate.negotiation) }),
  };
}
