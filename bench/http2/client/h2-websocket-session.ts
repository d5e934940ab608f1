/**
 * One HTTP/2 session (TLS, ALPN `h2`) of the load client, on which WebSockets open as streams
 * by an extended CONNECT (RFC 8441 §4), written with `node:http2` directly. The session waits
 * for the server's SETTINGS and requires SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 (RFC 8441 §3)
 * before it sends `:protocol`. Window sizes are options, to measure what flow control costs.
 *
 * @example
 * ```ts
 * const session = await H2WebSocketSession.open({ port, ca });
 * const channel = await session.openWebSocket('/echo', (chunk) => scan(chunk));
 * ```
 */
import { type ClientHttp2Session, connect, constants } from 'node:http2';
import { type ChunkCallback, type FrameChannel, failLoudly } from './frame-channel.js';

/** How to open a session. */
export interface H2SessionOptions {
  readonly port: number;
  /** The server's certificate (PEM), trusted as a CA. */
  readonly ca: string;
  /** SETTINGS_INITIAL_WINDOW_SIZE we send (RFC 9113 §6.5.2): each stream's receive window.
   * Undefined: Node's default, 65,535. */
  readonly initialWindowSize?: number | undefined;
  /** The session's (connection-level) receive window, raised by a WINDOW_UPDATE on stream 0
   * (RFC 9113 §6.9). Undefined: 65,535. */
  readonly sessionWindowSize?: number | undefined;
}

/** A client HTTP/2 session that opens WebSockets. */
export class H2WebSocketSession {
  readonly #session: ClientHttp2Session;
  readonly #authority: string;
  #closing = false;

  private constructor(session: ClientHttp2Session, authority: string) {
    this.#session = session;
    this.#authority = authority;
    session.on('error', (error) => {
      if (!this.#closing) failLoudly(`HTTP/2 session error: ${error.message}`);
    });
    session.on('goaway', (code) => {
      if (!this.#closing) failLoudly(`the server sent GOAWAY (${code})`);
    });
  }

  /** Connect and resolve once the server's SETTINGS allow extended CONNECT. */
  static open(options: H2SessionOptions): Promise<H2WebSocketSession> {
    const authority = `127.0.0.1:${options.port}`;
    return new Promise((resolve, reject) => {
      const session = connect(`https://${authority}`, {
        ca: options.ca,
        ...(options.initialWindowSize === undefined
          ? {}
          : { settings: { initialWindowSize: options.initialWindowSize } }),
      });
      session.once('error', reject);
      // Node's Http2Session turns Nagle off on its socket by itself.
      session.once('connect', () => {
        if (options.sessionWindowSize !== undefined)
          session.setLocalWindowSize(options.sessionWindowSize);
      });
      session.once('remoteSettings', (settings) => {
        session.off('error', reject);
        if (settings.enableConnectProtocol !== true) {
          session.destroy();
          reject(new Error('the server does not enable extended CONNECT (RFC 8441 §3)'));
          return;
        }
        resolve(new H2WebSocketSession(session, authority));
      });
    });
  }

  /** Open a WebSocket on a new stream; resolves after the server's `:status 200`. */
  openWebSocket(path: string, onChunk: ChunkCallback): Promise<FrameChannel> {
    return new Promise((resolve, reject) => {
      // RFC 8441 §4: CONNECT with :protocol, :scheme, :path and :authority.
      const stream = this.#session.request(
        {
          ':method': 'CONNECT',
          ':protocol': 'websocket',
          ':scheme': 'https',
          ':path': path,
          ':authority': this.#authority,
          'sec-websocket-version': '13',
        },
        { endStream: false },
      );
      let opened = false;
      const channel: FrameChannel = {
        write: (bytes) => {
          stream.write(bytes);
        },
        destroy: () => {
          if (!stream.destroyed) stream.close(constants.NGHTTP2_CANCEL);
        },
      };
      stream.once('response', (headers) => {
        const status = Number(headers[':status']);
        if (status !== 200) {
          reject(new Error(`extended CONNECT answered with ${status}`));
          channel.destroy();
          return;
        }
        opened = true;
        stream.on('data', onChunk);
        resolve(channel);
      });
      stream.on('error', (error) => {
        if (!opened) reject(error);
        else if (!this.#closing) failLoudly(`stream error: ${error.message}`);
      });
      stream.on('close', () => {
        if (!opened) reject(new Error(`stream closed before the answer (${stream.rstCode})`));
        else if (!this.#closing) failLoudly(`the server closed a stream (${stream.rstCode})`);
      });
    });
  }

  /** Drop the session and its streams (the benchmark is over). */
  destroy(): void {
    this.#closing = true;
    this.#session.destroy();
  }
}
