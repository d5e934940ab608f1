/** Process exit codes of the `wirekit` CLI. */
export const ExitCode = {
  /** The command did what it was asked (for `connect`: the close handshake completed normally). */
  OK: 0,
  /** The command ran and failed: a refused handshake, a lost connection, a file not found. */
  FAILURE: 1,
  /** The command line was wrong: an unknown option, a missing or malformed value. */
  USAGE: 2,
  /** Stopped by Ctrl-C (SIGINT) after reporting what it had: 128 + the signal's number, as a
   * shell reports a process the signal ended. */
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
