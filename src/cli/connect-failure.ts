/**
 * Why a connection could not be opened, in plain language with the flag or URL change that
 * fixes it, for `wirekit connect` and `wirekit bench`. The library's errors carry the socket's
 * or OpenSSL's error as their `cause`; those read well to someone who knows OpenSSL
 * (`ssl3_get_record:wrong version number`) and poorly to everyone else.
 */

/** OpenSSL codes for a peer that answered TLS with something else (plain HTTP, mostly). */
const NOT_TLS = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG']);

/** Certificate checks that fail for a CA the client does not know, with what they mean. */
const UNTRUSTED: Readonly<Record<string, string>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'it is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'its chain ends in a self-signed CA',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its issuer is unknown',
  UNABLE_TO_GET_ISSUER_CERT: 'its issuer is unknown',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'its issuer is unknown',
  CERT_UNTRUSTED: 'its CA is not trusted',
  CERT_SIGNATURE_FAILURE: 'its signature does not verify',
};

/** Certificate checks that no CA fixes. */
const NOT_VALID_NOW = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

const TRUST_HINT = 'pass --ca FILE with its CA, or --insecure to skip the check (testing only)';

/**
 * The error to report for a failed connect to `url`: a plain-language `Error` for the failures
 * a user can fix with a flag or a different URL, else `error` itself.
 *
 * @example
 * ```ts
 * try { await connect(url); } catch (error) { throw connectFailure(error, new URL(url)); }
 * // Error: the server at 127.0.0.1:9001 does not speak TLS: use ws:// instead of wss://
 * ```
 */
export function connectFailure(error: unknown, url: URL): unknown {
  const found = rootCause(error);
  if (found === undefined) return withoutCode(error, url);
  const { code, message } = found;
  const host = hostAndPort(url);
  if (NOT_TLS.has(code) || /wrong version number|packet length too long/i.test(message))
    return plain(`the server at ${host} does not speak TLS: use ws:// instead of wss://`, error);
  const untrusted = UNTRUSTED[code];
  if (untrusted !== undefined)
    return plain(`the server's certificate is not trusted (${untrusted}): ${TRUST_HINT}`, error);
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    // Node's message lists only the names of the kind asked for (IP or DNS); the certificate
    // has them all.
    const names = (found.error as { cert?: { subjectaltname?: unknown } }).cert?.subjectaltname;
    const listed = typeof names === 'string' && names !== '' ? `, it is for ${names}` : '';
    return plain(
      `the server's certificate is not trusted (it is not for ${url.hostname}${listed}): connect to a name it lists, ${TRUST_HINT}`,
      error,
    );
  }
  if (NOT_VALID_NOW.has(code))
    return plain(
      `the server's certificate is not valid now (${message}): --insecure skips the check (testing only)`,
      error,
    );
  if (code === 'ECONNREFUSED')
    return plain(
      `nothing accepts connections at ${host} (ECONNREFUSED): is the server running?`,
      error,
    );
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return plain(`cannot find the host ${url.hostname} (${code})`, error);
  return withoutCode(error, url);
}

/**
 * A failure that has no code of its own to go by: a TLS server answers a plain HTTP request
 * by closing the connection, which is all a `ws://` client sees.
 */
function withoutCode(error: unknown, url: URL): unknown {
  if (
    url.protocol === 'ws:' &&
    error instanceof Error &&
    /closed the connection during the WebSocket handshake/.test(error.message)
  )
    return plain(`${error.message} (if it speaks TLS, use wss:// instead of ws://)`, error);
  return error;
}

/** The innermost `cause` with a string `code` (the socket's or OpenSSL's error). */
function rootCause(error: unknown): { code: string; message: string; error: Error } | undefined {
  let found: { code: string; message: string; error: Error } | undefined;
  for (let cause = error, depth = 0; cause instanceof Error && depth < 8; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') found = { code, message: cause.message, error: cause };
    cause = cause.cause;
  }
  return found;
}

/** `host:port` with the scheme's default port filled in. */
function hostAndPort(url: URL): string {
  const port = url.port !== '' ? url.port : url.protocol === 'wss:' ? '443' : '80';
  return `${url.hostname}:${port}`;
}

function plain(message: string, cause: unknown): Error {
  return new Error(message, { cause });
}
