/**
 * A mistake on the command line. The CLI prints its message with a hint to `--help` and exits
 * with {@link ExitCode.USAGE} (2).
 *
 * @example
 * ```ts
 * if (url === undefined) throw new UsageError('a URL is required');
 * ```
 */
export class UsageError extends Error {
  override get name(): string {
    return 'UsageError';
  }
}
