/**
 * The proxy settings, without I/O: proxy URLs (`parseProxyUrl`: scheme, default port, Basic
 * credentials percent-decoded, errors that never repeat a password), the environment
 * (`proxyFromEnv`: which variable for which scheme, lower case first, empty is unset, httpoxy)
 * and `NO_PROXY` matching (`noProxyMatches`: `*`, domains with and without a leading dot,
 * `host:port`, IP literals and ranges), as curl and undici's `EnvHttpProxyAgent` read them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, WirekitError } from '../../src/core/errors.js';
import { noProxyMatches } from '../../src/node/no-proxy.js';
import { proxyFromEnv } from '../../src/node/proxy-from-env.js';
import { resolveProxy } from '../../src/node/proxy-option.js';
import { parseProxyUrl } from '../../src/node/proxy-url.js';

const SECRET = 'pa55-w0rd';

function basic(userPass: string): string {
  return `Basic ${Buffer.from(userPass, 'utf8').toString('base64')}`;
}

describe('parseProxyUrl', () => {
  test('host, port (default 80) and a href without credentials', () => {
    assert.deepEqual(parseProxyUrl('http://127.0.0.1:3128'), {
      hostname: '127.0.0.1',
      port: 3128,
      href: 'http://127.0.0.1:3128',
      authorization: undefined,
    });
    assert.equal(parseProxyUrl('http://proxy.example').port, 80);
    assert.equal(parseProxyUrl(new URL('http://[::1]:8080/')).hostname, '::1');
    assert.equal(parseProxyUrl('http://[::1]:8080/').href, 'http://[::1]:8080');
  });

  test('a value without a scheme is http://, as curl reads HTTPS_PROXY=proxy:3128', () => {
    const proxy = parseProxyUrl('proxy.corp:3128');
    assert.equal(proxy.hostname, 'proxy.corp');
    assert.equal(proxy.port, 3128);
  });

  test('credentials: percent-decoded, UTF-8, Basic (RFC 7617), not in the href', () => {
    const proxy = parseProxyUrl(`http://al%40ice:${encodeURIComponent(`s:${SECRET}é`)}@h:1`);
    assert.equal(proxy.authorization, basic(`al@ice:s:${SECRET}é`));
    assert.equal(proxy.href, 'http://h:1');
    assert.equal(parseProxyUrl('http://bob@h:1').authorization, basic('bob:'));
  });

  test('refused, with messages that never repeat the password', () => {
    const cases = [
      `https://u:${SECRET}@h:1`,
      `socks5://u:${SECRET}@h:1`,
      `http://u:${SECRET}@h:1/path`,
      `http://u:${SECRET}@h:1/?q`,
      `http://u%3Ax:${SECRET}@h:1`, // ':' in the user-id (RFC 7617 §2)
      `http://u:${SECRET}%0A@h:1`, // a control character
      `http://u:${SECRET}%E0%A4%A@h:1`, // a bad percent-encoding
      `http://u:${SECRET}@h:99999`,
    ];
    for (const input of cases) {
      assert.throws(
        () => parseProxyUrl(input),
        (error: unknown) => {
          assert.ok(error instanceof WirekitError, input);
          assert.equal(error.code, ErrorCode.INVALID_ARGUMENT, input);
          assert.ok(!error.message.includes(SECRET), `${input} → ${error.message}`);
          assert.equal(error.cause, undefined, input);
          return true;
        },
      );
    }
  });
});

describe('noProxyMatches', () => {
  const cases: [list: string, host: string, port: number, expected: boolean][] = [
    ['*', 'anything.example', 443, true],
    ['localhost, *', 'anything.example', 443, true],
    ['', 'example.com', 443, false],
    ['example.com', 'example.com', 443, true],
    ['example.com', 'api.example.com', 443, true],
    ['example.com', 'notexample.com', 443, false],
    ['.example.com', 'example.com', 443, true],
    ['.example.com', 'a.b.example.com', 443, true],
    ['*.example.com', 'api.example.com', 443, true],
    ['*.example.com', 'badexample.com', 443, false],
    ['EXAMPLE.com', 'Api.Example.COM', 443, true],
    ['example.com.', 'api.example.com', 443, true],
    ['example.com', 'api.example.com.', 443, true],
    ['a.test b.test\tc.test', 'b.test', 80, true],
    ['a.test,,b.test', 'c.test', 80, false],
    ['example.com:8443', 'example.com', 8443, true],
    ['example.com:8443', 'example.com', 443, false],
    ['127.0.0.1', '127.0.0.1', 9001, true],
    ['127.0.0.1', '127.0.0.2', 9001, false],
    ['127.0.0.1:9001', '127.0.0.1', 9001, true],
    ['127.0.0.1:9001', '127.0.0.1', 9002, false],
    ['0.1', '10.0.0.1', 80, false], // no suffix matching on addresses
    ['10.0.0.0/8', '10.1.2.3', 80, true],
    ['10.0.0.0/8', '11.1.2.3', 80, false],
    ['::1', '::1', 443, true],
    ['[::1]', '::1', 443, true],
    ['[::1]:8443', '::1', 8443, true],
    ['[::1]:8443', '::1', 443, false],
    ['0:0:0:0:0:0:0:1', '::1', 443, true],
    ['fd00::/8', 'fd12::1', 443, true],
    ['fd00::/8', 'fe80::1', 443, false],
    ['127.0.0.1', '::1', 443, false],
    ['localhost', '127.0.0.1', 443, false], // names are not resolved
  ];
  for (const [list, host, port, expected] of cases) {
    test(`${JSON.stringify(list)} ${expected ? 'matches' : 'does not match'} ${host}:${port}`, () => {
      assert.equal(noProxyMatches(list, host, port), expected);
    });
  }
});

describe('proxyFromEnv', () => {
  const secure = { secure: true, hostname: 'api.example.com', port: 443 } as const;
  const plain = { secure: false, hostname: 'api.example.com', port: 80 } as const;

  test('secure targets read https_proxy / HTTPS_PROXY, plain ones http_proxy / HTTP_PROXY', () => {
    const env = { HTTPS_PROXY: 'http://s:1', HTTP_PROXY: 'http://p:1' };
    assert.equal(proxyFromEnv(secure, env), 'http://s:1');
    assert.equal(proxyFromEnv(plain, env), 'http://p:1');
  });

  test('lower case wins; an empty value counts as unset', () => {
    assert.equal(
      proxyFromEnv(secure, { https_proxy: 'http://lower:1', HTTPS_PROXY: 'http://upper:1' }),
      'http://lower:1',
    );
    assert.equal(
      proxyFromEnv(plain, { http_proxy: ' ', HTTP_PROXY: 'http://upper:1' }),
      'http://upper:1',
    );
    assert.equal(proxyFromEnv(plain, { http_proxy: '' }), undefined);
  });

  test('a secure target never falls back to http_proxy (curl), nor reads ALL_PROXY', () => {
    assert.equal(proxyFromEnv(secure, { http_proxy: 'http://p:1', ALL_PROXY: 'x:1' }), undefined);
    assert.equal(proxyFromEnv(plain, { https_proxy: 'http://s:1' }), undefined);
  });

  test('httpoxy: HTTP_PROXY is ignored under CGI (REQUEST_METHOD set), http_proxy is not', () => {
    assert.equal(
      proxyFromEnv(plain, { HTTP_PROXY: 'http://evil:1', REQUEST_METHOD: 'GET' }),
      undefined,
    );
    assert.equal(
      proxyFromEnv(plain, { http_proxy: 'http://ok:1', REQUEST_METHOD: 'GET' }),
      'http://ok:1',
    );
  });

  test('no_proxy (lower case first) / NO_PROXY bypass the proxy for the hosts they list', () => {
    const env = { https_proxy: 'http://s:1', NO_PROXY: '.example.com' };
    assert.equal(proxyFromEnv(secure, env), undefined);
    assert.equal(proxyFromEnv({ ...secure, hostname: 'example.org' }, env), 'http://s:1');
    assert.equal(
      proxyFromEnv(secure, { ...env, no_proxy: 'other.test' }),
      'http://s:1',
      'no_proxy wins over NO_PROXY',
    );
  });

  test("resolveProxy: absent is direct, 'env' reads the given environment, a URL is parsed", () => {
    assert.equal(resolveProxy(undefined, secure, { https_proxy: 'http://s:1' }), undefined);
    assert.equal(resolveProxy('env', secure, {}), undefined);
    assert.equal(resolveProxy('env', secure, { https_proxy: 's:3128' })?.href, 'http://s:3128');
    assert.equal(resolveProxy('http://p:2', secure, {})?.port, 2);
    assert.throws(() => resolveProxy('env', secure, { https_proxy: 'https://s:1' }), {
      code: ErrorCode.INVALID_ARGUMENT,
    });
  });
});
