/**
 * The server's HTTP/1.1 transport (RFC 6455 §4.2): a WebSocket upgrade on a byte stream of its
 * own — a TCP or TLS socket, the io_uring socket, or any `Duplex` — turned into an
 * {@link OpeningRequest} for the server.
 *
 * Two ways in:
 * - {@link Http1ServerTransport.acceptSocket}: a socket whose request is unread. The core's
 *   sans-IO `ServerOpeningHandshake` reads it (the http1 `RequestReader` with its limits), runs
 *   the §4.2.1 checks, writes the answers and hands back the bytes that followed the request.
 * - {@link Http1ServerTransport.handleUpgrade}: a request `node:http` parsed (the `'upgrade'`
 *   event of an `http`/`https` server or a framework's): the same §4.2.1 checks and answers.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { acceptHeaders, checkUpgradeRequest } from '../../core/ws/server-handshake.js';
import {
  type HandshakeRequest,
  ServerOpeningHandshake,
} from '../../core/ws/server-opening-handshake.js';
import { refusal, switchingProtocols } from '../http-answer.js';
import { nodePlatform } from '../node-platform.js';
import type { ServerOptions } from '../server-options.js';
import { byteStreamTraits } from '../stream-traits.js';
import {
  headerListSource,
  incomingHeaders,
  pathOf,
  type UpgradeRequestInfo,
} from '../upgrade-request.js';
import type { OpeningRequest, UpgradeHost } from './server-transport.js';

/** WebSocket upgrades over HTTP/1.1 for one server. */
export class Http1ServerTransport {
  readonly #host: UpgradeHost;
  readonly #maxHeadBytes: number;
  readonly #responseHeaders: ServerOptions<unknown>['responseHeaders'];
  readonly #closeTimeout: number;

  constructor(host: UpgradeHost, options: ServerOptions<unknown>, closeTimeout: number) {
    this.#host = host;
    this.#maxHeadBytes = options.maxHeadBytes ?? 16 * 1024;
    this.#responseHeaders = options.responseHeaders;
    this.#closeTimeout = closeTimeout;
  }

  /** A connected socket whose HTTP request has not been read: read it, then upgrade or refuse. */
  acceptSocket(socket: Socket): void {
    const host = this.#host;
    if (host.closing) {
      socket.destroy();
      return;
    }
    const handshake = new ServerOpeningHandshake({
      maxHeadBytes: this.#maxHeadBytes,
      platform: nodePlatform,
    });
    host.track(socket);
    const onData = (chunk: Buffer): void => {
      handshake.receive(chunk);
      const event = handshake.next();
      switch (event.type) {
        case 'need-data':
          return;
        case 'refused':
          socket.off('data', onData);
          this.#refuse(socket, event.answer);
          return;
        case 'closed':
          socket.off('data', onData);
          socket.destroy();
          return;
        case 'request':
          socket.off('data', onData);
          this.#offer(socket, handshake, event);
          return;
      }
    };
    socket.on('data', onData);
  }

  /** A request the core's handshake read and checked: hand it to the server. */
  #offer(socket: Socket, handshake: ServerOpeningHandshake, event: HandshakeRequest): void {
    const { head, upgrade } = event;
    const info: UpgradeRequestInfo = {
      method: head.method,
      url: head.target,
      path: pathOf(head.target),
      headers: headerListSource(head.headers),
      protocols: upgrade.protocols,
      origin: upgrade.origin,
      remoteAddress: socket.remoteAddress ?? '',
      incoming: undefined,
    };
    const request: OpeningRequest = {
      stream: socket,
      info,
      extensionsOffer: upgrade.extensions,
      traits: byteStreamTraits(socket),
      refuse: (status, message, headers) =>
        this.#refuse(socket, handshake.refuse(status, message, headers)),
      accept: (protocol, extensions) => {
        const review = this.#responseHeaders;
        const accepted = handshake.accept({
          protocol,
          extensions,
          ...(review === undefined ? {} : { review: (fields) => review(fields, info) }),
        });
        socket.write(accepted.answer);
        // The client's first frames, if it did not wait: a Buffer, as payloads are handed out.
        return Buffer.from(accepted.trailing);
      },
    };
    this.#host.establish(request);
  }

  /**
   * Upgrade a request that `node:http` parsed (RFC 6455 §4.2.1 checks, then the server's
   * steps). `head` is what `node:http` read past the request.
   */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const host = this.#host;
    if (host.closing) {
      socket.destroy();
      return;
    }
    host.track(socket);
    const url = request.url ?? '/';
    const headers = incomingHeaders(request);
    const method = request.method ?? 'GET';
    const check = checkUpgradeRequest({ method, httpVersion: request.httpVersion, headers });
    if (!check.ok) {
      this.#refuse(socket, refusal(check.error.status ?? 400, check.error.message, check.headers));
      return;
    }
    const info: UpgradeRequestInfo = {
      method,
      url,
      path: pathOf(url),
      headers,
      protocols: check.protocols,
      origin: check.origin,
      remoteAddress: request.socket.remoteAddress ?? '',
      incoming: request,
    };
    host.establish({
      stream: socket,
      info,
      extensionsOffer: check.extensions,
      traits: byteStreamTraits(socket),
      refuse: (status, message, extra) => this.#refuse(socket, refusal(status, message, extra)),
      accept: (protocol, extensions) => {
        const fields = [...acceptHeaders(check.key, { protocol, extensions }, nodePlatform)];
        this.#responseHeaders?.(fields, info);
        socket.write(switchingProtocols(fields));
        return head;
      },
    });
  }

  /** Write a refusal and close the socket (it stays tracked until it closes). */
  #refuse(socket: Duplex, answer: Uint8Array): void {
    if (socket.destroyed) {
      // Its 'close' may have been emitted already: stop tracking it now.
      this.#host.untrack(socket);
      return;
    }
    socket.end(answer);
    // Drain (and drop) whatever the client still sends, so its FIN is seen and the socket closes.
    socket.resume();
    // A peer that never closes its side does not keep the socket.
    const timer = setTimeout(destroyStream, this.#closeTimeout, socket);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  }
}

function destroyStream(stream: Duplex): void {
  stream.destroy();
}
