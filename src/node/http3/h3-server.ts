/**
 * The server side of WebSocket over HTTP/3 (RFC 9220): a QUIC listener whose connections run
 * an HTTP/3 session each; every request stream goes to the WebSocket server's stream hook
 * (the same RFC 8441 code path HTTP/2 uses: extended CONNECT checks, `upgrade` hook, 200
 * answer, `Connection`). Anything but an extended CONNECT is answered 404. A request whose
 * header section is over the session's field section limit (64 KiB) never reaches the hook: the
 * core session answers it 431 on its stream (RFC 9114 §4.2.2; `docs/http3-core.md` says when it
 * is a stream error H3_EXCESSIVE_LOAD instead).
 */

import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { ErrorCode, WirekitError } from '../../core/errors.js';
import type { FieldSection } from '../../core/qpack/field-section.js';
import { Http3Link, type Http3LinkOwner } from './h3-link.js';
import type { Http3Stream } from './h3-stream.js';
import type { QuicCloseInfo } from './quic-connection.js';
import type { QuicServerTls, QuicTransportOptions } from './quic-options.js';
import { listenQuic, type QuicServer } from './quic-server.js';

/** `serve({ http3 })`: where and how the HTTP/3 listener runs beside TCP. */
export interface Http3ServeOptions extends QuicTransportOptions, QuicServerTls {
  /** UDP port. Default: the TCP port of the server when it is known, else 0. */
  readonly port?: number;
  /** Address to bind. Default: the server's host. */
  readonly host?: string;
  /** QUIC connections at most. Default 10 000. */
  readonly maxConnections?: number;
  /**
   * The largest request head accepted, in RFC 9114 §4.2.2 size (name and value lengths plus 32
   * per field line), advertised as SETTINGS_MAX_FIELD_SECTION_SIZE (§7.2.4.1). A larger head is
   * answered 431 on its stream; the connection goes on. Default 64 KiB.
   */
  readonly maxFieldSectionSize?: number;
}

/** What takes a request stream: `WebSocketServer#handleStream`. */
export type Http3StreamHook = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => boolean;

/** A running HTTP/3 listener. */
export interface Http3Listener {
  /** The UDP port it listens on. */
  readonly port: number;
  /** QUIC connections open now. */
  readonly connections: number;
  /** Close every HTTP/3 connection (H3_NO_ERROR) and the UDP socket. */
  close(): Promise<void>;
}

/** The request fields as Node's HTTP/2 header object (pseudo-fields included). */
function headerObject(fields: FieldSection): IncomingHttpHeaders {
  const headers: Record<string, string> = {};
  const { names, values } = fields;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const seen = headers[name];
    headers[name] = seen === undefined ? values[i]! : `${seen}, ${values[i]!}`;
  }
  return headers;
}

class ServerOwner implements Http3LinkOwner {
  readonly #hook: Http3StreamHook;
  readonly links: Set<Http3Link> = new Set();

  constructor(hook: Http3StreamHook) {
    this.#hook = hook;
  }

  request(_link: Http3Link, stream: Http3Stream, event: { fields: FieldSection }): void {
    const taken = this.#hook(stream as unknown as ServerHttp2Stream, headerObject(event.fields));
    if (!taken) {
      // Not a WebSocket: 404 with FIN, and the rest of the request read and dropped (a reset
      // here would make a browser fail the load instead of showing the answer).
      stream.respond({ ':status': 404 }, { endStream: true });
      stream.resume();
    }
  }

  closed(link: Http3Link, _info: QuicCloseInfo): void {
    this.links.delete(link);
  }
}

/** Listen for HTTP/3 WebSockets; each request stream goes to `hook`. */
export async function serveHttp3(
  hook: Http3StreamHook,
  options: Http3ServeOptions,
): Promise<Http3Listener> {
  const maxFieldSectionSize = options.maxFieldSectionSize;
  if (
    maxFieldSectionSize !== undefined &&
    (!Number.isSafeInteger(maxFieldSectionSize) || maxFieldSectionSize < 1)
  ) {
    throw new WirekitError(
      ErrorCode.INVALID_ARGUMENT,
      `http3.maxFieldSectionSize must be a positive integer, got ${maxFieldSectionSize}`,
    );
  }
  const owner = new ServerOwner(hook);
  const quic: QuicServer = await listenQuic({
    ...options,
    connection(connection) {
      owner.links.add(new Http3Link(connection, 'server', owner, maxFieldSectionSize));
    },
  });
  return {
    port: quic.address.port,
    get connections() {
      return quic.connections;
    },
    close() {
      for (const link of [...owner.links]) link.closeConnection(0x100, 'server shutting down');
      return quic.close(0x100, 'server shutting down');
    },
  };
}
