/**
 * A self-signed certificate for 127.0.0.1, made with openssl for one run of the `wss://`
 * section: the servers serve it, and the clients trust it as their only CA (pinned), so the
 * full certificate check runs as in production, without the system's CA store.
 *
 * @example
 * ```ts
 * const { keyPath, certPath } = selfSignedCert(workDir);
 * ```
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { hasCommand } from './machine-info.js';

/** The PEM files. */
export interface CertFiles {
  readonly keyPath: string;
  readonly certPath: string;
}

/** Make a P-256 key and a one-day certificate with IP 127.0.0.1 as its subject alt name. */
export function selfSignedCert(dir: string): CertFiles {
  if (!hasCommand('openssl')) {
    throw new Error(
      'openssl is not installed: the wss section makes its certificate with it ' +
        '(`apt-get update && apt-get install -y openssl`), or leave the section out with --only',
    );
  }
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
      ...['-keyout', keyPath, '-out', certPath, '-days', '1', '-subj', '/CN=127.0.0.1'],
      ...['-addext', 'subjectAltName=IP:127.0.0.1'],
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return { keyPath, certPath };
}
