/**
 * The two transports every server/client test runs over: plain TCP (`ws://`) and TLS
 * (`wss://`) with the self-signed test certificate. Each gives the `serve` options, the URL
 * scheme and the client's TLS settings, so one test body covers both.
 */
import type { TlsOptions } from 'node:tls';
import type { ClientTlsOptions } from '../../src/node/connect.js';
import { testCertificate } from '../helpers/tls-cert.js';

export interface Transport {
  readonly name: 'tcp' | 'tls';
  readonly scheme: 'ws' | 'wss';
  /** For `serve({ tls })` (absent for TCP). */
  readonly serverTls: TlsOptions | undefined;
  /** For `connect(url, { tls })`: trust the test certificate. */
  readonly clientTls: ClientTlsOptions | undefined;
}

/** TCP and TLS; the certificate is made once per test process (openssl must be installed). */
export function transports(): readonly Transport[] {
  const { key, cert } = testCertificate();
  return [
    { name: 'tcp', scheme: 'ws', serverTls: undefined, clientTls: undefined },
    { name: 'tls', scheme: 'wss', serverTls: { key, cert }, clientTls: { ca: cert } },
  ];
}

/** `serve` options for `transport` (spread into the call). */
export function listenOn(transport: Transport): { port: 0; tls?: TlsOptions } {
  return transport.serverTls === undefined ? { port: 0 } : { port: 0, tls: transport.serverTls };
}

/** `connect` options for `transport` (spread into the call). */
export function connectVia(transport: Transport): { tls?: ClientTlsOptions } {
  return transport.clientTls === undefined ? {} : { tls: transport.clientTls };
}

/** The URL of a server on 127.0.0.1:`port`. */
export function urlOf(transport: Transport, port: number, path = '/'): string {
  return `${transport.scheme}://127.0.0.1:${port}${path}`;
}
