/**
 * `wirekit serve --http2` and `wirekit connect --http2` as real processes on 127.0.0.1: WebSockets
 * over HTTP/2 (RFC 8441) with TLS (h2 by ALPN) and without (h2c, prior knowledge), a plain
 * HTTP/1.1 WebSocket client on the same port, several WebSockets as streams of one session,
 * graceful shutdown, and a clear failure against a server that does not speak HTTP/2.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { type Connection, connect, Http2WebSocketSession } from '../../src/index.js';
import { testCertificate } from '../helpers/tls-cert.js';
import { type CliProcess, runCli, startCli, startServe, stopAllCli } from './cli-process.js';

const dir = mkdtempSync(join(tmpdir(), 'wirekit-cli-h2-'));
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

/** Wait until the server has logged `total` opened connections in all. */
async function waitForOpened(server: CliProcess, total: number): Promise<string[]> {
  await server.waitFor('stderr', new RegExp(`^(?:[\\s\\S]*?^\\+ #[^\\n]*\\n){${total}}`, 'm'));
  return openedLines(server);
}

/** Send `text` on `ws` and resolve with the first message that comes back. */
function echoOf(ws: Connection<undefined>, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const iterator = ws[Symbol.asyncIterator]();
    ws.sendText(text);
    iterator.next().then((result) => {
      if (result.done === true) reject(new Error(`no echo of ${text}`));
      else resolve(result.value.data.toString());
    }, reject);
  });
}

describe('serve --http2 with TLS: h2 and HTTP/1.1 on one port', () => {
  let server: CliProcess;
  let url = '';

  before(async () => {
    ({ server, url } = await startServe('--http2', '--tls-cert', certFile, '--tls-key', keyFile));
  });

  test('prints a wss:// URL and says it serves both protocols', () => {
    assert.match(url, /^wss:\/\/127\.0\.0\.1:\d+$/);
    assert.match(server.stdout, /^listening on wss:\/\/\S+ \(echo; HTTP\/1\.1 \+ HTTP\/2 h2\)\n/);
  });

  test('the TLS handshake offers h2 and http/1.1 by ALPN (RFC 7301)', async () => {
    const port = Number(new URL(url).port);
    const agreed: (string | false | null)[] = [];
    for (const offer of [['h2'], ['http/1.1']]) {
      const socket = tlsConnect({ host: '127.0.0.1', port, ca: cert, ALPNProtocols: offer });
      await new Promise<void>((resolve, reject) => {
        socket.once('secureConnect', resolve).once('error', reject);
      });
      agreed.push(socket.alpnProtocol);
      socket.destroy();
    }
    assert.deepEqual(agreed, ['h2', 'http/1.1']);
  });

  test('connect --http2: messages round-trip over an HTTP/2 stream, clean close, exit 0', async () => {
    const before = openedLines(server).length;
    const result = await runCli(
      ['connect', '--http2', url, '--ca', certFile, '--wait', '0'],
      'over h2\nsecond ✓\n',
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'over h2\nsecond ✓\n');
    assert.match(result.stderr, /^connected to wss:\/\/127\.0\.0\.1:\d+ over HTTP\/2\n/);
    assert.match(result.stderr, /\nclosed: code 1000\n$/);
    const lines = await waitForOpened(server, before + 1);
    assert.match(lines[before] ?? '', /^\+ #\d+ 127\.0\.0\.1 h2 stream opened \(1 open\)$/);
  });

  test('connect without --http2: a plain HTTP/1.1 WebSocket client on the same port', async () => {
    const before = openedLines(server).length;
    const result = await runCli(['connect', url, '--ca', certFile, '--wait', '0'], 'over h1\n');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'over h1\n');
    assert.match(result.stderr, /^connected to wss:\/\/127\.0\.0\.1:\d+\n/);
    const line = (await waitForOpened(server, before + 1))[before] ?? '';
    assert.match(line, /^\+ #\d+ 127\.0\.0\.1 opened \(\d+ open\)$/);
  });

  test('three WebSockets on one HTTP/2 session are three streams the server echoes apart', async () => {
    const before = openedLines(server).length;
    const session = await Http2WebSocketSession.connect(url, { tls: { ca: cert } });
    try {
      const sockets = await Promise.all(['/a', '/b', '/c'].map((p) => session.openWebSocket(p)));
      assert.equal(session.size, 3);
      const echoes = await Promise.all(sockets.map((ws, i) => echoOf(ws, `stream ${i}`)));
      assert.deepEqual(echoes, ['stream 0', 'stream 1', 'stream 2']);
    } finally {
      await session.close(1000, 'done');
    }
    await server.waitFor('stderr', /closed 1000 "done" \(0 open\)/);
    const lines = openedLines(server).slice(before);
    assert.equal(lines.length, 3);
    for (const line of lines) assert.match(line, /h2 stream opened/);
  });
});

describe('serve --http2 without TLS: h2c and HTTP/1.1 on one port', () => {
  let server: CliProcess;
  let url = '';

  before(async () => {
    ({ server, url } = await startServe('--http2'));
  });

  test('prints a ws:// URL and says h2c', () => {
    assert.match(url, /^ws:\/\/127\.0\.0\.1:\d+$/);
    assert.match(server.stdout, /\(echo; HTTP\/1\.1 \+ HTTP\/2 h2c\)\n/);
  });

  test('connect --http2 ws://: h2c with prior knowledge, text and binary round-trip', async () => {
    const text = await runCli(['connect', '--http2', url, '--wait', '0'], 'h2c text\n');
    assert.equal(text.code, 0, text.stderr);
    assert.equal(text.stdout, 'h2c text\n');
    assert.match(text.stderr, /^connected to ws:\/\/127\.0\.0\.1:\d+ over HTTP\/2\n/);
    const binary = await runCli(['connect', '--http2', '--binary', url, '--wait', '0'], 'hi\n');
    assert.equal(binary.code, 0, binary.stderr);
    assert.equal(binary.stdout, '<binary 2 bytes> 6869\n');
    const lines = await waitForOpened(server, 2);
    assert.equal(lines.length, 2);
    for (const line of lines) assert.match(line, /h2 stream opened/);
  });

  test('a plain HTTP/1.1 client (CLI and library) on the same port', async () => {
    const before = openedLines(server).length;
    const result = await runCli(['connect', url, '--wait', '0'], 'h1 on h2c port\n');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'h1 on h2c port\n');
    const ws = await connect(url);
    try {
      assert.equal(await echoOf(ws, 'library h1'), 'library h1');
    } finally {
      ws.close();
    }
    const lines = (await waitForOpened(server, before + 2)).slice(before);
    assert.equal(lines.length, 2);
    for (const line of lines) assert.doesNotMatch(line, /h2 stream/);
  });

  test('SIGTERM: a connect --http2 client sees 1001 and a clean close; both exit 0', async () => {
    const own = await startServe('--http2');
    const client = startCli('connect', '--http2', own.url); // stdin stays open
    await client.waitFor('stderr', /^connected to .* over HTTP\/2/);
    await own.server.waitFor('stderr', /h2 stream opened \(1 open\)/);
    own.server.child.kill('SIGTERM');
    assert.deepEqual(await client.exit(), { code: 0, signal: null });
    assert.match(client.stderr, /closed: code 1001, reason "server shutting down"\n$/);
    assert.deepEqual(await own.server.exit(), { code: 0, signal: null });
    assert.match(own.server.stderr, /SIGTERM: closing 1 connection\(s\) with 1001/);
  });
});

describe('connect --http2 against a server without --http2', () => {
  test('h2c to an HTTP/1.1-only port: exit 1, the HTTP/2 session failure on stderr', async () => {
    const { url } = await startServe('--quiet');
    const result = await runCli(['connect', '--http2', url]);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^wirekit connect: HTTP\/2 session to http:\/\/127\.0\.0\.1:\d+ /);
  });

  test('wss:// without h2 in ALPN: exit 1, never a silent fall back to HTTP/1.1', async () => {
    const { url } = await startServe('--quiet', '--tls-cert', certFile, '--tls-key', keyFile);
    const result = await runCli(['connect', '--http2', url, '--ca', certFile], 'not sent\n');
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.doesNotMatch(result.stderr, /connected/);
    assert.match(result.stderr, /^wirekit connect: HTTP\/2 session to https:\/\/127\.0\.0\.1:\d+ /);
  });
});

describe('--help', () => {
  test('serve and connect document --http2', async () => {
    const serve = await runCli(['serve', '--help']);
    const client = await runCli(['connect', '--help']);
    assert.equal(serve.code, 0);
    assert.equal(client.code, 0);
    assert.match(serve.stdout, /\n {2}\s*--http2 +also serve WebSockets over HTTP\/2 \(RFC 8441\)/);
    assert.match(client.stdout, /\n {2}\s*--http2 +open the WebSocket over HTTP\/2 \(RFC 8441\)/);
  });

  test('--http2 is a flag: giving it a value is a usage error (exit 2)', async () => {
    const result = await runCli(['connect', '--http2=yes', 'ws://127.0.0.1:9']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--http2/);
  });
});
