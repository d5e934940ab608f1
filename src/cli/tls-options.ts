/**
 * The client's TLS options on the command line, shared by `connect` and `bench`: the option
 * spec entries (spread into a command's `options`, with wscat's names) and their translation
 * into the `tls` option of `connect()`.
 */
import { readFileSync } from 'node:fs';
import type { ClientTlsOptions } from '../index.js';
import type { OptionValues } from './command-spec.js';
import { UsageError } from './usage-error.js';

/** The option spec entries; spread them into a command's `options`. */
export const TLS_OPTIONS = {
  ca: {
    type: 'string',
    value: 'FILE',
    description: "wss: trust the CA certificates in FILE (PEM) instead of the system's",
  },
  cert: {
    type: 'string',
    value: 'FILE',
    description: 'wss: client certificate (PEM), for a server that asks for one',
  },
  key: { type: 'string', value: 'FILE', description: 'wss: private key (PEM) of --cert' },
  insecure: {
    type: 'boolean',
    short: 'k',
    description: 'wss: do not check the server certificate (testing only)',
  },
  'no-check': { type: 'boolean', short: 'n', description: 'the same as --insecure (wscat)' },
} as const;

/**
 * The `tls` option for `connect()`; files are read here, so a missing one fails before any
 * connection is attempted.
 *
 * @example
 * ```ts
 * tlsOption({ ca: 'cert.pem' }); // { ca: <Buffer …> }
 * ```
 */
export function tlsOption(values: OptionValues<typeof TLS_OPTIONS>): ClientTlsOptions {
  if ((values.cert === undefined) !== (values.key === undefined))
    throw new UsageError('--cert and --key go together');
  const insecure = values.insecure === true || values['no-check'] === true;
  return {
    ...(values.ca === undefined ? {} : { ca: readFileSync(values.ca) }),
    ...(values.cert === undefined ? {} : { cert: readFileSync(values.cert) }),
    ...(values.key === undefined ? {} : { key: readFileSync(values.key) }),
    ...(insecure ? { rejectUnauthorized: false } : {}),
  };
}
