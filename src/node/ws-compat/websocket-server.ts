/**
 * ws's `WebSocketServer` (ws.md, "Class: WebSocketServer") on top of wirekit's
 * {@link WirekitServer.handleUpgrade}: the request checks, `shouldHandle`, `verifyClient` and the
 * `'wsClientError'` event run here in ws's order with ws's answers; then wirekit's server
 * negotiates permessage-deflate, asks `handleProtocols` (read from `options` at each upgrade,
 * as libraries such as graphql-ws set it after construction), writes the 101 (after the
 * `'headers'` event) and runs the connection, whose object is a ws-compatible
 * {@link WebSocket}.
 *
 * With `port` the server makes its own `http.Server` (plain requests get 426), as ws does, so
 * `'connection'` gets a real `http.IncomingMessage`.
 */
import { EventEmitter } from 'node:events';
import {
  createServer,
  type Server as HttpServer,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  STATUS_CODES,
} from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { encodeResponseHead } from '../../core/http1/write-head.js';
import { parseExtensionHeader } from '../../core/ws/extension-header.js';
import { checkUpgradeRequest } from '../../core/ws/server-handshake.js';
import type { Connection } from '../connection.js';
import type { UpgradeRequestInfo } from '../upgrade-request.js';
import { type ServerHandler, WebSocketServer as WirekitServer } from '../websocket-server.js';
import { WsErrorCode, wsError } from './errors.js';
import {
  type CommonOptions,
  connectionOptions,
  deflateConfig,
  type PerMessageDeflateOptions,
} from './options.js';
import { setServerSocket, WebSocket, webSocketHandler } from './websocket.js';

/** What `verifyClient` gets. */
export interface VerifyClientInfo {
  /** `Origin` (`Sec-WebSocket-Origin` with version 8). */
  readonly origin: string | undefined;
  /** The socket is TLS (`req.socket.encrypted` or `authorized`). */
  readonly secure: boolean;
  /** The upgrade request as Node's HTTP server parsed it. */
  readonly req: IncomingMessage;
}

/** `verifyClient`'s callback form: refuse with `code` (default 401), a body and fields. */
export type VerifyClientCallback = (
  result: boolean,
  code?: number,
  message?: string,
  headers?: OutgoingHttpHeaders,
) => void;

/** Options of {@link WebSocketServer} (ws.md, `new WebSocketServer`). */
export interface ServerOptions extends CommonOptions {
  /** Listen on this port with a server of its own (0: any free port). */
  readonly port?: number;
  /** Bind to this host (with `port`). Default: all interfaces, as `http.Server#listen`. */
  readonly host?: string;
  /** The pending-connection queue of the listener (with `port`). */
  readonly backlog?: number;
  /** Serve the upgrades of this existing `http`/`https` server. */
  readonly server?: HttpServer | HttpsServer;
  /** Neither listen nor attach: call `handleUpgrade` yourself. */
  readonly noServer?: boolean;
  /** Accept only this path (others get 400, as in ws). */
  readonly path?: string;
  /** Keep the open connections in `clients`. Default true. */
  readonly clientTracking?: boolean;
  /** Accept or refuse a request: return a boolean, or call the callback (two parameters). */
  readonly verifyClient?:
    | ((info: VerifyClientInfo) => boolean)
    | ((info: VerifyClientInfo, callback: VerifyClientCallback) => void);
  /** Choose a subprotocol from those offered; a falsy result chooses none. Default: the first. */
  readonly handleProtocols?: (protocols: Set<string>, request: IncomingMessage) => string | false;
  /** permessage-deflate. Default off on the server, as in ws. */
  readonly perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /** The class of the connections' objects: `WebSocket` or a subclass of it. */
  readonly WebSocket?: typeof WebSocket;
  /** wirekit: drop a handshake that does not complete within this many ms. Default 10 000. */
  readonly handshakeTimeout?: number;
}

/** The events of a {@link WebSocketServer} and their arguments. */
export type WebSocketServerEvents = {
  /** An upgrade succeeded: the new WebSocket and its upgrade request. */
  connection: [websocket: WebSocket, request: IncomingMessage];
  /**
   * The 101 answer's lines (status line first) just before they are written; listeners may push
   * more `name: value` lines.
   */
  headers: [headers: string[], request: IncomingMessage];
  /** The HTTP server (created for `port`, or the one given as `server`) is listening. */
  listening: [];
  /** The HTTP server (created for `port`, or given as `server`) failed, e.g. the port is in use. */
  error: [error: Error];
  /** `close()` finished: the server accepts nothing more. */
  close: [];
  /**
   * A malformed upgrade request; with a listener it must answer and close the socket itself, else a
   * 4xx is sent.
   */
  wsClientError: [error: Error, socket: Duplex, request: IncomingMessage];
};

/** Called with the WebSocket once an upgrade succeeded. */
export type UpgradeCallback = (websocket: WebSocket, request: IncomingMessage) => void;

const RUNNING = 0;
const CLOSING = 1;
const CLOSED = 2;

/** Sockets given to a `handleUpgrade` already (ws marks them with a symbol). */
const upgraded = new WeakSet<Duplex>();

/** An upgrade in progress in wirekit's server, by request. */
interface PendingUpgrade {
  readonly socket: Duplex;
  readonly callback: UpgradeCallback;
}

/**
 * A WebSocket server, as in ws.
 *
 * @example
 * ```ts
 * import { WebSocketServer } from 'wirekit/ws';
 * const wss = new WebSocketServer({ port: 8080 });
 * wss.on('connection', (ws, req) => {
 *   ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
 * });
 * ```
 */
export class WebSocketServer extends EventEmitter<WebSocketServerEvents> {
  /** The options in effect; `handleProtocols` may be replaced at any time (graphql-ws does). */
  readonly options: ServerOptions;
  /** Open connections (only with `clientTracking`, the default). */
  declare clients?: Set<WebSocket>;

  readonly #wirekit: WirekitServer<WebSocket>;
  #server: HttpServer | HttpsServer | undefined;
  #removeListeners: (() => void) | undefined;
  #state = RUNNING;
  #shouldEmitClose = false;
  readonly #pending = new Map<IncomingMessage, PendingUpgrade>();
  readonly #requests = new WeakMap<WebSocket, IncomingMessage>();

  /**
   * Exactly one of `port`, `server` and `noServer` (else a `TypeError`). With `port`,
   * `callback` is a `'listening'` listener.
   */
  constructor(options: ServerOptions, callback?: () => void) {
    super();
    const opts: ServerOptions = { clientTracking: true, ...options };
    const hasPort = opts.port !== undefined && opts.port !== null;
    if (
      (!hasPort && !opts.server && !opts.noServer) ||
      (hasPort && (opts.server || opts.noServer)) ||
      (opts.server && opts.noServer)
    ) {
      throw wsError(
        TypeError,
        WsErrorCode.INVALID_OPTION,
        'One and only one of the "port", "server", or "noServer" options must be specified',
      );
    }
    this.options = opts;
    const base = webSocketHandler();
    const handler: ServerHandler<WebSocket> = {
      ...base,
      upgrade: (info) => this.#createWebSocket(info),
      open: (connection) => this.#opened(connection),
    };
    const deflate = deflateConfig(opts.perMessageDeflate, false);
    this.#wirekit = new WirekitServer<WebSocket>({
      handler,
      ...connectionOptions(opts),
      ...(deflate === false ? {} : { deflate }),
      ...(opts.handshakeTimeout === undefined ? {} : { handshakeTimeout: opts.handshakeTimeout }),
      selectProtocol: (protocols, info) => this.#selectProtocol(protocols, info),
      responseHeaders: (fields, info) => this.#emitHeaders(fields, info),
    });
    if (opts.clientTracking) this.clients = new Set();

    if (hasPort) {
      const server = createServer((_req, res) => {
        const body = STATUS_CODES[426] ?? '';
        res.writeHead(426, { 'Content-Length': body.length, 'Content-Type': 'text/plain' });
        res.end(body);
      });
      this.#server = server;
      server.listen(opts.port, opts.host, opts.backlog, callback);
    } else if (opts.server) {
      this.#server = opts.server;
    }
    const server = this.#server;
    if (server !== undefined) {
      const onListening = (): void => {
        this.emit('listening');
      };
      const onError = (error: Error): void => {
        this.emit('error', error);
      };
      const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
        this.handleUpgrade(req, socket, head, (ws, request) => {
          this.emit('connection', ws, request);
        });
      };
      server.on('listening', onListening);
      server.on('error', onError);
      server.on('upgrade', onUpgrade);
      this.#removeListeners = () => {
        server.off('listening', onListening);
        server.off('error', onError);
        server.off('upgrade', onUpgrade);
      };
    }
  }

  /**
   * The bound address (`{ port, family, address }`, or a pipe's name), `null` before there is
   * a server. Throws in `noServer` mode.
   */
  address(): AddressInfo | string | null {
    if (this.options.noServer)
      throw wsError(Error, WsErrorCode.NO_SERVER, 'The server is operating in "noServer" mode');
    return this.#server?.address() ?? null;
  }

  /**
   * Stop accepting connections and close the server made for `port`. Open connections stay
   * open (ws 8); `'close'` follows once they are all closed (with `clientTracking`), or on the
   * next tick. `cb` is a `'close'` listener, given an error if the server was already closed.
   */
  close(cb?: (error?: Error) => void): void {
    if (this.#state === CLOSED) {
      if (cb) {
        this.once('close', () =>
          cb(wsError(Error, WsErrorCode.SERVER_NOT_RUNNING, 'The server is not running')),
        );
      }
      process.nextTick(WebSocketServer.#emitClose, this);
      return;
    }
    if (cb) this.once('close', cb);
    if (this.#state === CLOSING) return;
    this.#state = CLOSING;
    const server = this.#server;
    this.#removeListeners?.();
    this.#removeListeners = undefined;
    this.#server = undefined;
    if (this.options.noServer || this.options.server) {
      if (this.clients !== undefined && this.clients.size > 0) this.#shouldEmitClose = true;
      else process.nextTick(WebSocketServer.#emitClose, this);
    } else {
      // The server was made here: its 'close' waits for every connection, upgraded ones too.
      server?.close(() => WebSocketServer.#emitClose(this));
    }
  }

  /** Whether `request` is for this server: by default, its path is `options.path` (if set). */
  shouldHandle(request: IncomingMessage): boolean {
    const path = this.options.path;
    if (path) {
      const url = request.url ?? '/';
      const index = url.indexOf('?');
      if ((index === -1 ? url : url.slice(0, index)) !== path) return false;
    }
    return true;
  }

  /**
   * Upgrade a request of an `http`/`https` server's `'upgrade'` event; `callback` gets the
   * WebSocket once the 101 is written. Refusals are answered on the socket (or given to
   * `'wsClientError'` listeners, for a malformed request).
   */
  handleUpgrade(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    callback: UpgradeCallback,
  ): void {
    socket.on('error', destroyOnError);
    const check = checkUpgradeRequest({
      method: request.method ?? 'GET',
      httpVersion: request.httpVersion,
      headers: incomingHeaders(request),
    });
    if (!check.ok) {
      this.#clientError(request, socket, check.error.status ?? 400, check.error.message, {
        ...Object.fromEntries(check.headers),
      });
      return;
    }
    if (!this.shouldHandle(request)) {
      abortHandshake(socket, 400);
      return;
    }
    if (this.options.perMessageDeflate && check.extensions !== undefined) {
      if (parseExtensionHeader(check.extensions) === undefined) {
        this.#clientError(
          request,
          socket,
          400,
          'Invalid or unacceptable Sec-WebSocket-Extensions header',
        );
        return;
      }
    }
    const verify = this.options.verifyClient;
    if (verify === undefined) {
      this.#completeUpgrade(request, socket, head, callback);
      return;
    }
    const version = request.headers['sec-websocket-version'];
    const origin = request.headers[version === '8' ? 'sec-websocket-origin' : 'origin'];
    const tls = request.socket as { authorized?: boolean; encrypted?: boolean };
    const info: VerifyClientInfo = {
      origin: Array.isArray(origin) ? origin[0] : origin,
      secure: Boolean(tls.authorized || tls.encrypted),
      req: request,
    };
    if (verify.length === 2) {
      (verify as (info: VerifyClientInfo, callback: VerifyClientCallback) => void)(
        info,
        (verified, code, message, headers) => {
          if (!verified) abortHandshake(socket, code || 401, message, headers);
          else this.#completeUpgrade(request, socket, head, callback);
        },
      );
      return;
    }
    if (!(verify as (info: VerifyClientInfo) => boolean)(info)) {
      abortHandshake(socket, 401);
      return;
    }
    this.#completeUpgrade(request, socket, head, callback);
  }

  #completeUpgrade(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    callback: UpgradeCallback,
  ): void {
    // The client already sent its FIN (or the socket is gone).
    if (!socket.readable || !socket.writable) {
      socket.destroy();
      return;
    }
    if (upgraded.has(socket)) {
      throw wsError(
        Error,
        WsErrorCode.SOCKET_REUSED,
        'server.handleUpgrade() was called more than once with the same socket, possibly due to a misconfiguration',
      );
    }
    if (this.#state > RUNNING) {
      abortHandshake(socket, 503);
      return;
    }
    upgraded.add(socket);
    socket.off('error', destroyOnError);
    this.#pending.set(request, { socket, callback });
    try {
      this.#wirekit.handleUpgrade(request, socket, head);
    } finally {
      // A synchronous upgrade has run its course; an asynchronous one has taken its entry.
      this.#pending.delete(request);
    }
  }

  static #emitClose(server: WebSocketServer): void {
    server.#state = CLOSED;
    server.emit('close');
  }

  // -------------------------------------------------------------------------------------------
  // wirekit's server hooks

  #selectProtocol(protocols: readonly string[], info: UpgradeRequestInfo): string | undefined {
    if (protocols.length === 0) return undefined;
    const handle = this.options.handleProtocols;
    if (handle === undefined || handle === null) return protocols[0];
    const chosen = handle(new Set(protocols), info.incoming as IncomingMessage);
    return chosen ? chosen : undefined;
  }

  /** The upgrade hook: the connection's object, made with the request's socket. */
  #createWebSocket(info: UpgradeRequestInfo): WebSocket {
    const request = info.incoming as IncomingMessage;
    const pending = this.#pending.get(request);
    const Class = this.options.WebSocket ?? WebSocket;
    const ws = new Class(null);
    if (pending !== undefined) setServerSocket(ws, pending.socket);
    this.#requests.set(ws, request);
    return ws;
  }

  #emitHeaders(fields: (readonly [name: string, value: string])[], info: UpgradeRequestInfo): void {
    if (this.listenerCount('headers') === 0) return;
    const lines = ['HTTP/1.1 101 Switching Protocols'];
    for (const [name, value] of fields) lines.push(`${name}: ${value}`);
    this.emit('headers', lines, info.incoming as IncomingMessage);
    // ws's listeners edit the list of lines (push, usually): take what they left.
    fields.length = 0;
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) fields.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
    }
  }

  #opened(connection: Connection<WebSocket>): void {
    const ws = connection.data;
    const request = this.#requests.get(ws);
    this.#requests.delete(ws);
    const pending = request === undefined ? undefined : this.#pending.get(request);
    if (request !== undefined) this.#pending.delete(request);
    webSocketHandler().open?.(connection);
    const clients = this.clients;
    if (clients !== undefined) {
      clients.add(ws);
      const onClose = (): void => {
        clients.delete(ws);
        if (this.#shouldEmitClose && clients.size === 0)
          process.nextTick(WebSocketServer.#emitClose, this);
      };
      ws.once('close', onClose);
    }
    if (pending !== undefined && request !== undefined) pending.callback(ws, request);
  }

  /** A malformed request: `'wsClientError'` listeners answer it, else ws's default answer. */
  #clientError(
    request: IncomingMessage,
    socket: Duplex,
    status: number,
    message: string,
    headers?: OutgoingHttpHeaders,
  ): void {
    if (this.listenerCount('wsClientError') > 0) {
      this.emit('wsClientError', wsError(Error, WsErrorCode.HANDSHAKE, message), socket, request);
    } else {
      abortHandshake(socket, status, message, headers);
    }
  }
}

function destroyOnError(this: Duplex): void {
  this.destroy();
}

/** The request's header fields by lower-case name, repeated fields joined (RFC 9110 §5.3). */
function incomingHeaders(request: IncomingMessage): { get(name: string): string | undefined } {
  const headers = request.headers;
  return {
    get(name) {
      const value = headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

/**
 * ws's refusal: status line, `Connection: close`, an HTML content type, the message (or the
 * status text) as the body, and the caller's fields; then the socket is ended and destroyed
 * once written. Fields are written by wirekit's http1 writer (no CR, LF or NUL gets through).
 */
function abortHandshake(
  socket: Duplex,
  status: number,
  message?: string,
  headers?: OutgoingHttpHeaders,
): void {
  const body = message || STATUS_CODES[status] || '';
  const fields: Record<string, string> = {
    Connection: 'close',
    'Content-Type': 'text/html',
    'Content-Length': String(Buffer.byteLength(body)),
  };
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined) fields[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  let head: Uint8Array;
  try {
    head = encodeResponseHead({ status, headers: fields });
  } catch {
    head = encodeResponseHead({ status: 500, headers: { Connection: 'close' } });
  }
  socket.once('finish', socket.destroy);
  socket.end(Buffer.concat([head, Buffer.from(body)]));
}
