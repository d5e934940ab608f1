/**
 * The one timeout-and-abort wrapper of the clients' connect steps (dial, the WebSocket
 * handshake, the HTTP/2 session's SETTINGS, an RFC 8441 CONNECT): each step used to carry its
 * own timer, abort listener and cleanup; now each is an operation given to {@link deadline}.
 */
import { ErrorCode, WirekitError } from '../core/errors.js';

/** When {@link deadline} gives up, and what its errors say. */
export interface DeadlineLimits {
  /** Give up after this many ms: `ERR_TIMEOUT`. */
  readonly timeout: number;
  /** Give up when this fires: `ERR_ABORTED`, the signal's reason as the `cause`. */
  readonly signal?: AbortSignal | undefined;
  /** The timeout's message; a function is asked when the timer fires (to name the stage). */
  readonly timeoutMessage: string | (() => string);
  readonly abortMessage: string;
  /** Let the process exit while only this timer is pending. Default false. */
  readonly unref?: boolean;
}

/**
 * Runs `operation`, settling with it unless the timeout or the caller's signal comes first:
 * then the promise rejects with `ERR_TIMEOUT` or `ERR_ABORTED`, and the `giveUp` signal handed
 * to the operation fires (its reason is that error) so the operation lets go of what it holds.
 * The timer and the abort listener are removed as soon as either side settles.
 *
 * An operation releases its resources when `giveUp` fires, and rejects after it (that late
 * rejection is ignored); what it resolves after giving up is lost, so it must not resolve then.
 * A signal already aborted rejects at once without starting the operation.
 *
 * @example
 * ```ts
 * import { once } from 'node:events';
 * import { connect } from 'node:net';
 * const socket = await deadline(
 *   { timeout: 1000, timeoutMessage: 'connect timed out', abortMessage: 'connect aborted' },
 *   async (giveUp) => {
 *     const socket = connect(9001, '127.0.0.1');
 *     giveUp.addEventListener('abort', () => socket.destroy());
 *     await once(socket, 'connect', { signal: giveUp });
 *     return socket;
 *   },
 * );
 * ```
 */
export function deadline<T>(
  limits: DeadlineLimits,
  operation: (giveUp: AbortSignal) => Promise<T>,
): Promise<T> {
  const caller = limits.signal;
  if (caller?.aborted === true) {
    return Promise.reject(
      new WirekitError(ErrorCode.ABORTED, limits.abortMessage, { cause: caller.reason }),
    );
  }
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const stop = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      caller?.removeEventListener('abort', onAbort);
      return true;
    };
    const giveUp = (error: WirekitError): void => {
      if (!stop()) return;
      controller.abort(error);
      reject(error);
    };
    const onAbort = (): void =>
      giveUp(new WirekitError(ErrorCode.ABORTED, limits.abortMessage, { cause: caller?.reason }));
    const timer = setTimeout(() => {
      const message = limits.timeoutMessage;
      giveUp(
        new WirekitError(ErrorCode.TIMEOUT, typeof message === 'string' ? message : message()),
      );
    }, limits.timeout);
    if (limits.unref === true) timer.unref();
    caller?.addEventListener('abort', onAbort, { once: true });
    operation(controller.signal).then(
      (value) => {
        if (stop()) resolve(value);
      },
      (error: unknown) => {
        if (!stop()) return;
        // The operation failed by itself: whatever it started and still holds lets go too.
        controller.abort(error);
        reject(error);
      },
    );
  });
}
