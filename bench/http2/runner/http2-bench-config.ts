/**
 * Sizes, rounds and durations of the HTTP/2 benchmark, for a full run and for the `--quick`
 * smoke run, and the cores the server and the client are pinned to.
 *
 * @example
 * ```ts
 * const config = http2BenchConfig({ quick: false, pin: true });
 * config.echo.cases; // [{ payloadBytes: 512, window: 1 }, …]
 * ```
 */

/** One WebSocket's echo load: message size and messages in flight. */
export interface EchoShape {
  readonly payloadBytes: number;
  readonly window: number;
}

/** Timing shared by every run of a section. */
export interface RunTiming {
  readonly rounds: number;
  readonly warmupMs: number;
  readonly durationMs: number;
}

/** Everything a run needs to know. */
export interface Http2BenchConfig {
  readonly quick: boolean;
  readonly serverCpu: number | undefined;
  readonly clientCpu: number | undefined;
  /** Section 1: one WebSocket, HTTP/2 vs HTTP/1.1 TLS, one server process for both. */
  readonly echo: RunTiming & { readonly cases: readonly EchoShape[] };
  /** Section 2: many WebSockets on one session vs as many TLS connections. */
  readonly fanout: RunTiming & { readonly websockets: number; readonly shape: EchoShape };
  /** Section 3: HTTP/2 flow-control windows. */
  readonly windows: RunTiming & {
    readonly cases: readonly (EchoShape & { readonly websockets: number })[];
    /** The larger per-stream window tried (SETTINGS_INITIAL_WINDOW_SIZE). */
    readonly streamWindow: number;
    /** The larger session window tried. */
    readonly sessionWindow: number;
  };
  /** Section 4: `--cpu-prof` of the server. */
  readonly profile: {
    readonly cases: readonly EchoShape[];
    readonly warmupMs: number;
    readonly durationMs: number;
    readonly intervalUs: number;
  };
}

const KiB = 1024;
const MiB = 1024 * KiB;

/** The configuration of a full or quick run. */
export function http2BenchConfig(options: { quick: boolean; pin: boolean }): Http2BenchConfig {
  const { quick, pin } = options;
  const timing = (rounds: number): RunTiming => ({
    rounds: quick ? 1 : rounds,
    warmupMs: quick ? 300 : 1000,
    durationMs: quick ? 1000 : 4000,
  });
  return {
    quick,
    serverCpu: pin ? 0 : undefined,
    clientCpu: pin ? 1 : undefined,
    echo: {
      ...timing(5),
      cases: [
        { payloadBytes: 512, window: 1 },
        { payloadBytes: 512, window: 32 },
        { payloadBytes: 16 * KiB, window: 1 },
        { payloadBytes: 16 * KiB, window: 32 },
      ],
    },
    fanout: { ...timing(5), websockets: 100, shape: { payloadBytes: 512, window: 1 } },
    windows: {
      ...timing(3),
      cases: [
        { websockets: 1, payloadBytes: 16 * KiB, window: 32 },
        { websockets: 100, payloadBytes: 16 * KiB, window: 1 },
      ],
      streamWindow: 1 * MiB,
      sessionWindow: 16 * MiB,
    },
    profile: {
      cases: [
        { payloadBytes: 512, window: 32 },
        { payloadBytes: 16 * KiB, window: 32 },
      ],
      warmupMs: quick ? 300 : 1000,
      durationMs: quick ? 1000 : 4000,
      intervalUs: 100,
    },
  };
}
