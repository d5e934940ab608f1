/**
 * The one timeout helper of the tests: every wait a test makes is bounded, and a wait that
 * runs out fails with a message naming what it waited for instead of hanging the run.
 *
 * @example
 * ```ts
 * const closed = await within(serverSide.closed, 10_000, 'the server close');
 * ```
 */

/** Settle like `promise`, or reject after `ms` with `timed out waiting for <what>`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
