/**
 * What `wirekit connect` makes of its input without processes: slash command lines, the URL
 * check, and the plain-language explanation of connect failures.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connectFailure } from '../../src/cli/connect-failure.js';
import { slashCommand } from '../../src/cli/slash-command.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { websocketUrlOption } from '../../src/cli/websocket-url-option.js';

describe('slash commands', () => {
  test('commands, their arguments, and // for a literal slash', () => {
    assert.deepEqual(slashCommand('hello /ping'), { kind: 'message', text: 'hello /ping' });
    assert.deepEqual(slashCommand('//ping'), { kind: 'message', text: '/ping' });
    assert.deepEqual(slashCommand('/ping'), { kind: 'ping', data: '' });
    assert.deepEqual(slashCommand('/ping hello  world'), { kind: 'ping', data: 'hello  world' });
    assert.deepEqual(slashCommand('/pong x'), { kind: 'pong', data: 'x' });
    assert.deepEqual(slashCommand('/close'), { kind: 'close', code: undefined, reason: '' });
    assert.deepEqual(slashCommand('/close 4000'), { kind: 'close', code: 4000, reason: '' });
    assert.deepEqual(slashCommand('/close  4000 bye now '), {
      kind: 'close',
      code: 4000,
      reason: 'bye now',
    });
    assert.deepEqual(slashCommand('/help'), { kind: 'help' });
  });

  test('an unknown command or a close without a numeric code is refused with a hint', () => {
    const unknown = slashCommand('/etc/passwd');
    assert.equal(unknown.kind, 'invalid');
    assert.match(unknown.kind === 'invalid' ? unknown.problem : '', /\/help.*\/\//);
    const close = slashCommand('/close bye');
    assert.equal(close.kind, 'invalid');
    assert.match(close.kind === 'invalid' ? close.problem : '', /close code first.*"bye"/);
  });
});

describe('WebSocket URL option', () => {
  test('ws:// and wss:// pass', () => {
    assert.equal(websocketUrlOption('ws://127.0.0.1:9001/x', 'URL').port, '9001');
    assert.equal(websocketUrlOption('wss://example.com', 'URL').protocol, 'wss:');
  });

  test('http:// and https:// are refused with the ws:// or wss:// URL to use', () => {
    assert.throws(() => websocketUrlOption('http://127.0.0.1:9001/chat', 'URL'), {
      name: 'UsageError',
      message: /is an HTTP URL: use ws:\/\/127\.0\.0\.1:9001\/chat /,
    });
    assert.throws(() => websocketUrlOption('https://example.com/', '--url'), {
      message: /^--url https:\/\/example\.com\/ is an HTTP URL: use wss:\/\/example\.com\/ /,
    });
  });

  test('a missing or other scheme, or no URL at all, is a usage error', () => {
    assert.throws(() => websocketUrlOption('127.0.0.1:9001', 'URL'), {
      message: /needs ws:\/\/ or wss:\/\/ in front.*try ws:\/\/127\.0\.0\.1:9001/,
    });
    assert.throws(() => websocketUrlOption('ftp://x/', 'URL'), /needs ws: or wss:, not ftp:/);
    assert.throws(() => websocketUrlOption('ws://[nope', 'URL'), UsageError);
  });
});

describe('connect failures in plain language', () => {
  /** A library-style error wrapping a socket or OpenSSL error with `code`. */
  function failed(code: string, message: string): Error {
    const cause = Object.assign(new Error(message), { code });
    return new Error(`WebSocket connection failed: ${message}`, { cause });
  }
  const wss = new URL('wss://127.0.0.1:9001/');

  test('TLS to a plain port: use ws://', () => {
    for (const code of ['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG']) {
      const error = connectFailure(failed(code, 'ssl3_get_record:wrong version number'), wss);
      assert.equal(
        (error as Error).message,
        'the server at 127.0.0.1:9001 does not speak TLS: use ws:// instead of wss://',
      );
    }
  });

  test('an untrusted certificate: --ca FILE or --insecure', () => {
    for (const code of [
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'SELF_SIGNED_CERT_IN_CHAIN',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    ]) {
      const error = connectFailure(failed(code, 'self-signed certificate'), wss) as Error;
      assert.match(
        error.message,
        /^the server's certificate is not trusted \(.+\): pass --ca FILE with its CA, or --insecure to skip the check \(testing only\)$/,
      );
    }
    const altnames = failed(
      'ERR_TLS_CERT_ALTNAME_INVALID',
      "Hostname/IP does not match certificate's altnames: IP: 127.0.0.1 is not in the cert's list: ",
    );
    Object.assign(altnames.cause as Error, { cert: { subjectaltname: 'DNS:example.com' } });
    const mismatch = connectFailure(altnames, wss) as Error;
    assert.match(
      mismatch.message,
      /not trusted \(it is not for 127\.0\.0\.1, it is for DNS:example\.com\): connect to a name it lists/,
    );
    assert.match(mismatch.message, /--insecure to skip the check/);
  });

  test('refused: is the server running? Unknown failures pass through unchanged', () => {
    const refused = connectFailure(failed('ECONNREFUSED', 'connect ECONNREFUSED'), wss) as Error;
    assert.match(
      refused.message,
      /^nothing accepts connections at 127\.0\.0\.1:9001 \(ECONNREFUSED\)/,
    );
    assert.equal(
      (connectFailure(failed('ECONNREFUSED', 'x'), new URL('ws://h/')) as Error).message,
      'nothing accepts connections at h:80 (ECONNREFUSED): is the server running?',
    );
    const other = failed('EPIPE', 'broken pipe');
    assert.equal(connectFailure(other, wss), other);
    const plain = new Error('no cause');
    assert.equal(connectFailure(plain, wss), plain);
    const closed = new Error('server closed the connection during the WebSocket handshake');
    assert.match(
      (connectFailure(closed, new URL('ws://h:1/')) as Error).message,
      /handshake \(if it speaks TLS, use wss:\/\/ instead of ws:\/\/\)$/,
    );
  });
});
