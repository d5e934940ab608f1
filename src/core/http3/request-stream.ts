/**
 * The state of one request stream in an `Http3Session` (RFC 9114 §4.1): where its incoming
 * message is (head, content, trailers, done), what its head said that later frames are checked
 * against (CONNECT, Content-Length, HEAD), and whether this side may still send.
 *
 * @internal
 */
import { Http3FrameReader } from './frame-reader.js';

/** Waiting for the (final) header section. */
export const R_HEAD = 0;
/** DATA (and, unless CONNECT, a trailer section). */
export const R_BODY = 1;
/** After trailers: only unknown frames. */
export const R_TRAILERS = 2;
/** FIN seen, reset, or aborted: input is ignored. */
export const R_DONE = 3;

/** One request stream's state. */
export class RequestStream {
  /** The QUIC stream ID. */
  readonly id: number;
  /** Its frames. */
  readonly reader: Http3FrameReader = new Http3FrameReader();
  /** R_HEAD, R_BODY, R_TRAILERS or R_DONE. */
  state: number = R_HEAD;
  /** The request is CONNECT: after its head only DATA is allowed (RFC 9114 §4.4). */
  connect = false;
  /** Content-Length of the incoming message, or -1. */
  contentLength = -1;
  /** DATA payload bytes announced so far. */
  received = 0;
  /** Client: the request is HEAD, so the response has no content whatever its Content-Length. */
  head = false;
  /** This side sent a header section. */
  headersSent = false;
  /** This side may still send. */
  sendOpen = true;
  /** This side sent FIN: more sends are misuse (a reset or STOP_SENDING only drops them). */
  finSent = false;

  /** A stream with ID `id`, nothing received or sent. */
  constructor(id: number) {
    this.id = id;
  }
}
