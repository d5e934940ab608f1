/**
 * The CONNECT exchange with an HTTP proxy (RFC 9110 §9.3.6), written and read by the http1
 * core: the request by `encodeRequestHead`, the answer by a `ResponseReader` told the request
 * was a CONNECT, so a 2xx ends at its head and what follows belongs to the tunnel.
 */
import type { Socket } from 'node:net';
import { ErrorCode, WirekitError } from '../core/errors.js';
import type { ResponseHead } from '../core/http1/response-head.js';
import { ResponseReader } from '../core/http1/response-reader.js';
import { encodeRequestHead } from '../core/http1/write-head.js';
import type { ProxyEndpoint } from './proxy-url.js';

/** The longest `Proxy-Authenticate` value quoted in an error message. */
const CHALLENGE_CHARS = 200;

/**
 * Asks the proxy connected on `socket` for a tunnel to `authority` (`host:port`, IPv6 in
 * brackets) and reads its answer. Resolves, once the proxy answered 2xx, with the bytes that
 * came after the answer's head (the target's first bytes, often none); the socket is then
 * paused, with none of this function's listeners left on it, so nothing more is read before the
 * next layer takes it.
 *
 * Rejects with `ERR_PROXY` (the status on the error when there was one) for a non-2xx answer, a
 * close or reset before the answer, or an answer the reader refuses (malformed, or a head over
 * `maxHeadBytes`: a proxy flooding us with fields is cut off there). Rejects with `giveUp`'s
 * reason when it fires. The caller destroys the socket after a rejection.
 */
export function proxyTunnel(
  socket: Socket,
  proxy: ProxyEndpoint,
  authority: string,
  maxHeadBytes: number,
  giveUp: AbortSignal,
): Promise<Uint8Array> {
  // RFC 9112 §3.2.3: CONNECT's request-target is the authority-form, host:port; RFC 9112 §3.2:
  // Host is sent in every HTTP/1.1 request, here with the same authority.
  const headers: [string, string][] = [['Host', authority]];
  // RFC 9110 §11.7.2: credentials for the proxy go in Proxy-Authorization (Basic, RFC 7617).
  if (proxy.authorization !== undefined) {
    headers.push(['Proxy-Authorization', proxy.authorization]);
  }
  const request = encodeRequestHead({ method: 'CONNECT', target: authority, headers });
  const reader = new ResponseReader({ maxHeadBytes });
  reader.expect('CONNECT');
  const to = `proxy ${proxy.href}`;
  return new Promise<Uint8Array>((resolve, reject) => {
    const cleanup = (): void => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onError);
      giveUp.removeEventListener('abort', onGiveUp);
    };
    const fail = (error: unknown): void => {
      cleanup();
      reject(error);
    };
    const onGiveUp = (): void => fail(giveUp.reason);
    const onEnd = (): void =>
      fail(
        new WirekitError(
          ErrorCode.PROXY,
          `${to} closed the connection before answering CONNECT ${authority}`,
        ),
      );
    const onError = (error: Error): void =>
      fail(
        new WirekitError(
          ErrorCode.PROXY,
          `${to} reset the connection before answering CONNECT ${authority}: ${error.message}`,
          { cause: error },
        ),
      );
    function onData(chunk: Buffer): void {
      reader.receive(chunk);
      for (;;) {
        const event = reader.next();
        switch (event.type) {
          case 'need-data':
            return;
          case 'informational':
            continue; // RFC 9110 §15.2: interim answers; the final one follows
          case 'head':
            if (event.status >= 200 && event.status < 300) continue; // its 'end' follows
            fail(refused(to, authority, event, proxy.authorization !== undefined));
            return;
          case 'end':
            continue; // RFC 9112 §6.3 item 2: a 2xx to CONNECT has no body; 'paused' follows
          case 'paused': {
            // RFC 9110 §9.3.6: after the 2xx the connection is a tunnel; what the reader holds
            // past the head is the target's and goes to the next layer.
            cleanup();
            socket.pause();
            resolve(reader.takeRemaining());
            return;
          }
          case 'body':
          case 'closed':
            fail(new WirekitError(ErrorCode.PROXY, `${to} ended its answer to CONNECT early`));
            return;
          case 'error':
            fail(
              new WirekitError(
                ErrorCode.PROXY,
                `${to} sent an answer to CONNECT ${authority} that cannot be read: ${event.error.message}`,
                { cause: event.error, status: 502 },
              ),
            );
            return;
        }
      }
    }
    if (giveUp.aborted) {
      reject(giveUp.reason);
      return;
    }
    giveUp.addEventListener('abort', onGiveUp, { once: true });
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    socket.on('error', onError);
    socket.write(request);
  });
}

// The error for a final answer other than 2xx: the tunnel was refused.
function refused(
  to: string,
  authority: string,
  head: ResponseHead,
  sentCredentials: boolean,
): WirekitError {
  const status = head.status;
  let why = '';
  // RFC 9110 §15.5.8: a proxy asks for credentials with 407 and its schemes in
  // Proxy-Authenticate (§11.7.1). Some proxies (tinyproxy 1.11) answer wrong credentials with
  // 401 and WWW-Authenticate instead; before a tunnel exists, a 401 can only be the proxy's.
  if (status === 407 || status === 401) {
    const challenge =
      head.headers.get('proxy-authenticate') ?? head.headers.get('www-authenticate');
    why =
      ': proxy authentication required' +
      (sentCredentials
        ? ', and the credentials in the proxy URL were refused'
        : '; give them in the proxy URL, http://user:password@host:port') +
      (challenge === undefined ? '' : ` (challenge: ${challenge.slice(0, CHALLENGE_CHARS)})`);
  }
  const reason = head.reason === '' ? '' : ` ${head.reason}`;
  return new WirekitError(
    ErrorCode.PROXY,
    `${to} refused CONNECT ${authority} with ${status}${reason}${why}`,
    { status },
  );
}
