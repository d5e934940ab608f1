/**
 * TLS for the `wss://` benchmark: every server reads the same key and certificate files, named
 * by the runner in `BENCH_TLS_KEY` and `BENCH_TLS_CERT` (a self-signed pair it makes with
 * openssl for the run). Without them the server listens in plain text, as in every other section.
 *
 * @example
 * ```ts
 * const tls = serverTls();
 * if (tls !== undefined) console.log(tls.certPath);
 * ```
 */
import { readFileSync } from 'node:fs';

/** The key and certificate: paths (uWS and Bun read files) and PEM text (Node reads strings). */
export interface ServerTls {
  readonly keyPath: string;
  readonly certPath: string;
  readonly key: string;
  readonly cert: string;
}

/** The TLS files named in the environment, or undefined for a plain-text server. */
export function serverTls(env: NodeJS.ProcessEnv = process.env): ServerTls | undefined {
  const keyPath = env['BENCH_TLS_KEY'];
  const certPath = env['BENCH_TLS_CERT'];
  if (keyPath === undefined || certPath === undefined) return undefined;
  return {
    keyPath,
    certPath,
    key: readFileSync(keyPath, 'utf8'),
    cert: readFileSync(certPath, 'utf8'),
  };
}
