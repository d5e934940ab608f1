/**
 * The one error of the io_uring entry: the transport cannot run on this machine. It is a
 * {@link WirekitError} with code `ERR_URING_UNAVAILABLE` and a `reason` to branch on, so an
 * application can fall back to `serve()` with one `catch`.
 *
 * @example
 * ```ts
 * import { loadUring, UringUnavailableError } from 'wirekit/uring';
 * try {
 *   loadUring();
 * } catch (error) {
 *   if (error instanceof UringUnavailableError) console.log(error.reason, error.message);
 * }
 * ```
 */
import { ErrorCode, WirekitError } from '../../core/errors.js';

/** Why the transport is unavailable. */
export const UringUnavailableReason = {
  /** Not Linux: io_uring is a Linux interface. */
  PLATFORM: 'platform',
  /** The addon was not built (`npm run build:uring`). */
  NOT_BUILT: 'not-built',
  /** The addon file exists but does not load (another Node ABI, a missing library). */
  LOAD_FAILED: 'load-failed',
  /** The kernel refused io_uring (too old, disabled by `kernel.io_uring_disabled`, seccomp). */
  KERNEL: 'kernel',
} as const;

export type UringUnavailableReason =
  (typeof UringUnavailableReason)[keyof typeof UringUnavailableReason];

const brand = Symbol.for('wirekit.UringUnavailableError');

/** The io_uring transport cannot run here; `reason` says why, `cause` has the original error. */
export class UringUnavailableError extends WirekitError {
  /** Why the transport cannot run: one of {@link UringUnavailableReason}. */
  readonly reason: UringUnavailableReason;

  /**
   * An `ERR_URING_UNAVAILABLE` error for `reason`, with the original error as `cause` when there is
   * one.
   */
  constructor(reason: UringUnavailableReason, message: string, cause?: unknown) {
    super(ErrorCode.URING_UNAVAILABLE, message, cause === undefined ? {} : { cause });
    this.reason = reason;
    Object.defineProperty(this, brand, { value: true });
  }

  /** `'UringUnavailableError'`, so logs and `util.inspect` name the class. */
  override get name(): string {
    return 'UringUnavailableError';
  }

  /** Brand check (WirekitError's own check would match every wirekit error). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && Object.hasOwn(value, brand);
  }
}
