/**
 * `wirekit serve --http3` and `wirekit connect --http3` as real processes on 127.0.0.1:
 * WebSockets over HTTP/3 (RFC 9220) on UDP beside TLS on TCP, the Alt-Svc advertisement on
 * the TCP answers, a plain `wss://` client on the same port, graceful shutdown, and usage
 * errors for what cannot work (no certificate, a `ws://` URL, --http2 with --http3).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { testCertificate } from '../helpers/tls-cert.js';
import { type CliProcess, runCli, startCli, startServe, stopAllCli } from './cli-process.js';

const dir = mkdtempSync(join(tmpdir(), 'wirekit-cli-h3-'));
const certFile = join(dir, 'cert.pem');
const keyFile = join(dir, 'key.pem');
let cert = '';

before(() => {
  const pair = testCertificate(); // fails loudly without openssl
  cert = pair.cert;
  writeFileSync(certFile, pair.cert);
  writeFileSync(keyFile, pair.key);
});
after(async () => {
  await stopAllCli();
  rmSync(dir, { recursive: true, force: true });
});

/** The lines the server logged for opened connections, in order. */
function openedLines(server: CliProcess): string[] {
  return server.stderr.split('\n').filter((line) => line.startsWith('+ #'));
}

/** The `Alt-Svc` of the 101 answer to an HTTP/1.1 upgrade on `port`. */
function altSvcOf(port: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      ca: cert,
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': randomBytes(16).toString('base64'),
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      const value = res.headers['alt-svc'];
      resolve(Array.isArray(value) ? value.join(', ') : value);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serve --http3: HTTP/3 on UDP beside wss:// on TCP, one port number', () => {
  let server: CliProcess;
  let url = '';

  before(async () => {
    ({ server, url } = await startServe('--http3', '--tls-cert', certFile, '--tls-key', keyFile));
  });

  test('prints a wss:// URL and says HTTP/3 is on the same UDP port', () => {
    assert.match(url, /^wss:\/\/127\.0\.0\.1:\d+$/);
    const port = new URL(url).port;
    assert.match(
      server.stdout,
      new RegExp(`^listening on wss://\\S+ \\(echo; HTTP/3 on UDP port ${port}\\)\\n`),
    );
  });

  test('the TCP answers advertise it with Alt-Svc (RFC 7838)', async () => {
    const port = Number(new URL(url).port);
    assert.equal(await altSvcOf(port), `h3=":${port}"`);
  });

  test('connect --http3: messages round-trip over an HTTP/3 stream, clean close, exit 0', async () => {
    const before = openedLines(server).length;
    const result = await runCli(
      ['connect', '--http3', url, '--ca', certFile, '--wait', '0'],
      'over h3\nsecond ✓\n',
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'over h3\nsecond ✓\n');
    assert.match(result.stderr, /^connected to wss:\/\/127\.0\.0\.1:\d+ over HTTP\/3\n/);
    assert.match(result.stderr, /\nclosed: code 1000\n$/);
    // Over HTTP/3 the opening handshake is an extended CONNECT, as over HTTP/2.
    await server.waitFor('stderr', /^\+ #\d+ 127\.0\.0\.1 h2 stream opened/m);
    assert.ok(openedLines(server).length > before);
  });

  test('connect without --http3: a plain wss:// client on the TCP port', async () => {
    const result = await runCli(['connect', url, '--ca', certFile, '--wait', '0'], 'over tcp\n');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'over tcp\n');
    assert.match(result.stderr, /^connected to wss:\/\/127\.0\.0\.1:\d+\n/);
  });

  test('SIGTERM: a connect --http3 client sees 1001 and a clean close; both exit 0', async () => {
    const own = await startServe('--http3', '--tls-cert', certFile, '--tls-key', keyFile);
    const client = startCli('connect', '--http3', own.url, '--ca', certFile); // stdin stays open
    await client.waitFor('stderr', /^connected to .* over HTTP\/3/);
    await own.server.waitFor('stderr', /stream opened \(1 open\)/);
    own.server.child.kill('SIGTERM');
    assert.deepEqual(await client.exit(), { code: 0, signal: null });
    assert.match(client.stderr, /closed: code 1001, reason "server shutting down"\n$/);
    assert.deepEqual(await own.server.exit(), { code: 0, signal: null });
  });
});

describe('--http3 usage', () => {
  test('serve --http3 without --tls-cert/--tls-key: usage error (exit 2)', async () => {
    const result = await runCli(['serve', '--http3', '--port', '0']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--http3 needs --tls-cert and --tls-key/);
  });

  test('serve --http3 with --workers: usage error (exit 2)', async () => {
    const result = await runCli([
      'serve',
      '--http3',
      '--workers',
      '2',
      '--tls-cert',
      certFile,
      '--tls-key',
      keyFile,
    ]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--http3 goes without --workers/);
  });

  test('connect --http3 ws://: usage error (exit 2)', async () => {
    const result = await runCli(['connect', '--http3', 'ws://127.0.0.1:9']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--http3 needs a wss:\/\/ URL/);
  });

  test('connect --http2 --http3: usage error (exit 2)', async () => {
    const result = await runCli(['connect', '--http2', '--http3', 'wss://127.0.0.1:9']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--http2 and --http3 exclude each other/);
  });

  test('connect --http3 to a server without HTTP/3: exit 1, no fall back', async () => {
    const { url } = await startServe('--quiet', '--tls-cert', certFile, '--tls-key', keyFile);
    const result = await runCli(
      ['connect', '--http3', url, '--ca', certFile, '--wait', '0'],
      'not sent\n',
    );
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.doesNotMatch(result.stderr, /connected/);
  });

  test('serve and connect document --http3', async () => {
    const serve = await runCli(['serve', '--help']);
    const client = await runCli(['connect', '--help']);
    assert.equal(serve.code, 0);
    assert.equal(client.code, 0);
    assert.match(serve.stdout, /\n {2}\s*--http3 +also serve WebSockets over HTTP\/3 \(RFC 9220\)/);
    assert.match(client.stdout, /\n {2}\s*--http3 +open the WebSocket over HTTP\/3 \(RFC 9220/);
  });
});
