/**
 * Finds HTTP/2 client sessions whose TCP connection is gone without Node telling them.
 *
 * Node's HTTP/2 session stops reading its socket while one of its writes is in flight. If the
 * peer resets the connection just then (its process killed, its socket reset), the write fails,
 * and over TLS the failure is lost on its way back to the session: the session waits for that
 * write for good, never reads again, and neither it nor its socket emits `'error'` or
 * `'close'`. Its WebSockets would hear of the loss only from their heartbeat — or never, with
 * the client's default `pingInterval: 0`.
 *
 * The kernel does know: once a reset has arrived, or the connection is fully closed,
 * `getpeername` on the socket fails (ENOTCONN). One timer shared by every watched session asks
 * it for each of them every {@link WATCH_INTERVAL} ms (one syscall per session and tick, no
 * timer per session, and no timer at all while no session is open); a session whose connection
 * is gone is destroyed with a `WirekitError` (`ERR_CONNECTION_LOST`), its socket too, and each
 * of its WebSockets closes with 1006.
 */
import type { ClientHttp2Session } from 'node:http2';
import type { Duplex } from 'node:stream';
import { getSystemErrorName } from 'node:util';
import { ErrorCode, WirekitError } from '../core/errors.js';

/** How often (ms) the watched sessions' connections are checked. */
export const WATCH_INTERVAL = 250;

/** The part of a TCP handle (or a TLS handle, which passes it to its TCP handle) used here. */
interface PeerHandle {
  getpeername(out: object): number;
}

interface Watched {
  readonly session: ClientHttp2Session;
  readonly socket: Duplex;
}

const watched = new Set<Watched>();
let timer: NodeJS.Timeout | undefined;
/** Filled by `getpeername`, never read: one object for every call. */
const peerOut: Record<string, unknown> = {};

/**
 * Watch `session`, running on `socket` (the socket it was given), until the session closes.
 * A socket without a TCP handle (a JavaScript Duplex) is not watched.
 */
export function watchSession(session: ClientHttp2Session, socket: Duplex): void {
  if (peerHandle(socket) === undefined) return;
  const entry: Watched = { session, socket };
  watched.add(entry);
  session.once('close', () => unwatch(entry));
  if (timer === undefined) {
    timer = setInterval(checkAll, WATCH_INTERVAL);
    timer.unref();
  }
}

function unwatch(entry: Watched): void {
  watched.delete(entry);
  if (watched.size === 0 && timer !== undefined) {
    clearInterval(timer);
    timer = undefined;
  }
}

function peerHandle(socket: Duplex): PeerHandle | undefined {
  const handle = (socket as { _handle?: Partial<PeerHandle> | null })._handle;
  return typeof handle?.getpeername === 'function' ? (handle as PeerHandle) : undefined;
}

function checkAll(): void {
  for (const entry of watched) {
    const { session, socket } = entry;
    if (session.destroyed) {
      unwatch(entry);
      continue;
    }
    const handle = peerHandle(socket);
    // No handle: the socket is closed, and Node destroys the session with it.
    if (handle === undefined) continue;
    const status = handle.getpeername(peerOut);
    if (status === 0) continue;
    unwatch(entry);
    const error = new WirekitError(
      ErrorCode.CONNECTION_LOST,
      `the HTTP/2 session's connection was lost (${getSystemErrorName(status)})`,
    );
    session.destroy(error);
    socket.destroy();
  }
}
