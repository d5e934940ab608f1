/**
 * Sizes and durations of a full run and of the `--quick` smoke run, and the cores used.
 *
 * @example
 * ```ts
 * const config = runConfig({ quick: true, pin: true });
 * ```
 */

/** One echo-load configuration. */
export interface EchoCase {
  readonly connections: number;
  readonly payloadBytes: number;
}

/** Everything a run needs to know. */
export interface RunConfig {
  readonly quick: boolean;
  /** Core for servers and core for the client (taskset), or undefined when not pinned. */
  readonly serverCpu: number | undefined;
  readonly clientCpu: number | undefined;
  readonly phases: { readonly messages: number; readonly runs: number };
  /** Server and client library in one process: phases of `messages`, `runs` processes each. */
  readonly sameProcess: { readonly messages: number; readonly runs: number };
  /** `wss://` round trips of `payloadBytes`, `runs` client processes per pair. */
  readonly wss: { readonly messages: number; readonly payloadBytes: number; readonly runs: number };
  readonly echo: {
    readonly cases: readonly EchoCase[];
    readonly rounds: number;
    readonly warmupMs: number;
    readonly durationMs: number;
  };
  readonly broadcast: {
    readonly subscribers: readonly number[];
    readonly payloadBytes: number;
    /** Messages published but not yet delivered to every subscriber, at most. */
    readonly window: number;
    readonly rounds: number;
    readonly warmupMs: number;
    readonly durationMs: number;
  };
  readonly strace: {
    readonly echo: EchoCase;
    readonly subscribers: number;
    readonly warmupMs: number;
    readonly durationMs: number;
  };
}

const ECHO_CASES: readonly EchoCase[] = [
  { connections: 100, payloadBytes: 512 },
  { connections: 100, payloadBytes: 1024 },
  { connections: 500, payloadBytes: 512 },
  { connections: 500, payloadBytes: 1024 },
];

/** The configuration for a full or quick run, pinned or not. */
export function runConfig(options: { quick: boolean; pin: boolean }): RunConfig {
  const { quick, pin } = options;
  return {
    quick,
    serverCpu: pin ? 0 : undefined,
    clientCpu: pin ? 1 : undefined,
    phases: { messages: quick ? 10_000 : 100_000, runs: quick ? 1 : 5 },
    sameProcess: { messages: quick ? 10_000 : 100_000, runs: quick ? 1 : 5 },
    wss: { messages: quick ? 5_000 : 100_000, payloadBytes: 77, runs: quick ? 1 : 3 },
    // Three alternated rounds, as in the outside measurement this section reproduces.
    echo: {
      cases: ECHO_CASES,
      rounds: quick ? 1 : 3,
      warmupMs: quick ? 200 : 1000,
      durationMs: quick ? 700 : 3000,
    },
    broadcast: {
      subscribers: [100, 500],
      // As in the outside measurement this section reproduces: 512 B messages, a publisher
      // window of 16, each server's own publish to a topic, the C client.
      payloadBytes: 512,
      window: 16,
      rounds: quick ? 1 : 2,
      warmupMs: quick ? 300 : 1000,
      durationMs: quick ? 1000 : 3000,
    },
    strace: {
      echo: { connections: 100, payloadBytes: 512 },
      subscribers: 100,
      warmupMs: quick ? 200 : 500,
      durationMs: quick ? 800 : 3000,
    },
  };
}
