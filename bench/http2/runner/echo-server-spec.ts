/**
 * How to start the HTTP/2 benchmark's echo server (`echo-server.ts`) as a `ServerProcess`: the
 * certificate files and the HTTP/2 window settings travel as environment variables.
 *
 * @example
 * ```ts
 * const spec = echoServerSpec(files, { label: 'stream window 1 MiB', initialWindowSize: MiB });
 * const server = await ServerProcess.start(spec, { cpu: 0 });
 * ```
 */
import type { ServerSpec } from '../../e2e/runner/server-process.js';

/** PEM files of the test certificate. */
export interface CertificateFiles {
  readonly cert: string;
  readonly key: string;
}

/** One server configuration. */
export interface ServerVariant {
  readonly label: string;
  /** `http2Settings.initialWindowSize`; undefined: Node's default (65,535). */
  readonly initialWindowSize?: number;
  /** The session's receive window; undefined: 65,535. Implies `compose`. */
  readonly sessionWindowSize?: number;
  /** Build the server by hand (what `serve()` does inside) instead of calling `serve()`. */
  readonly compose?: boolean;
}

const script = new URL('../echo-server.js', import.meta.url).pathname;

/** The `ServerSpec` of a variant. */
export function echoServerSpec(files: CertificateFiles, variant: ServerVariant): ServerSpec {
  const env: Record<string, string> = { H2BENCH_CERT: files.cert, H2BENCH_KEY: files.key };
  if (variant.initialWindowSize !== undefined)
    env.H2BENCH_INITIAL_WINDOW = String(variant.initialWindowSize);
  if (variant.sessionWindowSize !== undefined)
    env.H2BENCH_SESSION_WINDOW = String(variant.sessionWindowSize);
  if (variant.compose === true) env.H2BENCH_COMPOSE = '1';
  return { label: variant.label, script, env, websocket: true };
}
