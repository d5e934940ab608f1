/**
 * `--deflate` and the `--deflate-*` options of `wirekit serve` and `wirekit connect` (RFC 7692):
 * what each side negotiates, that messages round-trip byte-exact, that compression really
 * happens on the wire (bytes counted by a TCP proxy), interop with `ws`, and usage errors.
 */
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { WebSocket as WsClient, WebSocketServer as WsServer } from 'ws';
import { deflateOption } from '../../src/cli/deflate-options.js';
import { serve } from '../../src/index.js';
import { runCli, startServe, stopAllCli } from './cli-process.js';

after(stopAllCli);

/** A JSON line like a market-data update, `size` bytes or a little more. */
function jsonLine(seq: number, size: number): string {
  const trades: string[] = [];
  let line = '';
  for (let i = 0; line.length < size; i++) {
    const price = (43_000 + ((seq * 31 + i * 17) % 997) / 100).toFixed(2);
    trades.push(`{"p":"${price}","q":"0.0${(seq + i) % 97}","side":"${i % 3 ? 'buy' : 'sell'}"}`);
    line = `{"type":"trades","symbol":"BTC-USD","seq":${seq},"trades":[${trades.join(',')}]}`;
  }
  return line;
}

/** Lines of `size` bytes and their total. */
function jsonLines(count: number, size: number): { text: string; bytes: number } {
  const lines = Array.from({ length: count }, (_, i) => jsonLine(i, size));
  return { text: `${lines.join('\n')}\n`, bytes: lines.reduce((n, l) => n + l.length, 0) };
}

/** A TCP proxy on 127.0.0.1 that counts the bytes going each way. */
class CountingProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  /** Bytes from the client towards the server, and back. */
  up = 0;
  down = 0;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(targetPort: number): Promise<CountingProxy> {
    const proxy: CountingProxy = new CountingProxy(
      createServer((client) => {
        const upstream = tcpConnect(targetPort, '127.0.0.1');
        for (const socket of [client, upstream]) {
          proxy.#sockets.add(socket);
          socket.on('close', () => proxy.#sockets.delete(socket));
          socket.on('error', () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.on('data', (chunk: Buffer) => {
          proxy.up += chunk.length;
        });
        upstream.on('data', (chunk: Buffer) => {
          proxy.down += chunk.length;
        });
        client.pipe(upstream);
        upstream.pipe(client);
      }),
    );
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return address.port;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

describe('deflateOption (the CLI flags → the deflate option of serve/connect)', () => {
  test('off without --deflate; true with --deflate alone', () => {
    assert.equal(deflateOption({}), undefined);
    assert.equal(deflateOption({ deflate: true }), true);
  });

  test('each flag sets its setting, and only those given', () => {
    assert.deepEqual(
      deflateOption({
        deflate: true,
        'deflate-mode': 'dedicated',
        'deflate-level': '6',
        'deflate-mem-level': '9',
        'deflate-threshold': '4K',
        'deflate-server-window-bits': '10',
        'deflate-client-window-bits': '9',
      }),
      {
        mode: 'dedicated',
        level: 6,
        memLevel: 9,
        threshold: 4096,
        serverMaxWindowBits: 10,
        clientMaxWindowBits: 9,
      },
    );
    assert.deepEqual(deflateOption({ deflate: true, 'deflate-threshold': '0' }), {
      threshold: 0,
    });
  });
});

describe('wirekit serve --deflate + wirekit connect --deflate', () => {
  test('default modes: the server answers with no context takeover both ways (shared), big and small lines round-trip', async () => {
    const { server, url } = await startServe('--deflate', '--quiet');
    assert.match(server.stdout, /\(echo; permessage-deflate shared\)/);
    const big = jsonLines(20, 3000);
    const input = `short\n${big.text}\n`;
    const result = await runCli(['connect', url, '--deflate', '--wait', '0'], input);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, input);
    assert.match(
      result.stderr,
      /^connected to \S+ \(permessage-deflate; server_no_context_takeover; client_no_context_takeover\)\n/,
    );
  });

  test('--deflate-mode dedicated: context takeover is kept (no parameters in the answer)', async () => {
    const { url } = await startServe('--deflate', '--deflate-mode', 'dedicated', '--quiet');
    const big = jsonLines(10, 2000);
    const result = await runCli(['connect', url, '--deflate', '--wait', '0'], big.text);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, big.text);
    assert.match(result.stderr, /^connected to \S+ \(permessage-deflate\)\n/);
  });

  test('window bits: the server caps both windows; connect reports what was agreed', async () => {
    const { url } = await startServe(
      '--deflate',
      '--deflate-mode',
      'dedicated',
      '--deflate-server-window-bits',
      '10',
      '--deflate-client-window-bits',
      '11',
      '--deflate-level',
      '9',
      '--quiet',
    );
    const big = jsonLines(10, 5000);
    const result = await runCli(['connect', url, '--deflate', '--wait', '0'], big.text);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, big.text);
    const status = /^connected to \S+ \((permessage-deflate[^)]*)\)\n/.exec(result.stderr)?.[1];
    assert.ok(status !== undefined, result.stderr);
    assert.match(status, /; server_max_window_bits=10(;|$)/);
    assert.match(status, /; client_max_window_bits=11(;|$)/);
  });

  test('compression happens on the wire; --deflate-threshold leaves smaller messages as they are', async () => {
    const { url } = await startServe('--deflate', '--quiet');
    const big = jsonLines(20, 4000);
    const proxy = await CountingProxy.start(portOf(url));
    try {
      const proxied = `ws://127.0.0.1:${proxy.port}`;
      const compressed = await runCli(['connect', proxied, '--deflate', '--wait', '0'], big.text);
      assert.equal(compressed.code, 0, compressed.stderr);
      assert.equal(compressed.stdout, big.text);
      // Repetitive JSON shrinks several times in both directions (handshakes included).
      assert.ok(proxy.up < big.bytes / 3, `client → server ${proxy.up} B of ${big.bytes}`);
      assert.ok(proxy.down < big.bytes / 3, `server → client ${proxy.down} B of ${big.bytes}`);

      proxy.up = 0;
      proxy.down = 0;
      const thresholded = await runCli(
        ['connect', proxied, '--deflate', '--deflate-threshold', '1M', '--wait', '0'],
        big.text,
      );
      assert.equal(thresholded.code, 0, thresholded.stderr);
      assert.equal(thresholded.stdout, big.text);
      // The client now sends every message as it is; the server still compresses its echoes.
      assert.ok(proxy.up > big.bytes, `client → server ${proxy.up} B of ${big.bytes}`);
      assert.ok(proxy.down < big.bytes / 3, `server → client ${proxy.down} B of ${big.bytes}`);
    } finally {
      await proxy.close();
    }
  });

  test('connect --deflate to a server without it: compression declined, messages still flow', async () => {
    const { url } = await startServe('--quiet');
    const big = jsonLines(3, 2000);
    const result = await runCli(['connect', url, '--deflate', '--wait', '0'], big.text);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, big.text);
    assert.match(result.stderr, /^connected to \S+ \(compression declined by the server\)\n/);
  });

  test('serve --deflate without a client offer: no extension, plain echo', async () => {
    const { url } = await startServe('--deflate', '--quiet');
    const result = await runCli(['connect', url, '--wait', '0'], 'plain\n');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'plain\n');
    assert.match(result.stderr, /^connected to ws:\/\/127\.0\.0\.1:\d+\n/);
  });
});

describe('wirekit connect --deflate: the offer it sends', () => {
  const offers: string[] = [];
  let close: (() => Promise<void>) | undefined;
  let url = '';
  before(async () => {
    const server = await serve({
      port: 0,
      host: '127.0.0.1',
      deflate: { mode: 'dedicated' },
      handler: {
        upgrade(request) {
          offers.push(request.headers.get('sec-websocket-extensions') ?? '');
        },
        message(ws, data, isBinary) {
          ws.send(data, isBinary);
        },
      },
    });
    close = () => server.close();
    url = `ws://127.0.0.1:${server.address!.port}`;
  });
  after(() => close?.());

  test('default: context takeover, any client window', async () => {
    const result = await runCli(['connect', url, '--deflate', '--wait', '0'], 'x\n');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(offers.at(-1), 'permessage-deflate; client_max_window_bits');
  });

  test('--deflate-mode shared and window bits are offered (RFC 7692 §7.1)', async () => {
    const result = await runCli(
      [
        'connect',
        url,
        '--deflate',
        '--deflate-mode',
        'shared',
        '--deflate-server-window-bits',
        '12',
        '--deflate-client-window-bits',
        '13',
        '--wait',
        '0',
      ],
      `${jsonLine(1, 3000)}\n`,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${jsonLine(1, 3000)}\n`);
    const offer = offers.at(-1) ?? '';
    for (const param of [
      'client_no_context_takeover',
      'server_no_context_takeover',
      'server_max_window_bits=12',
      'client_max_window_bits=13',
    ]) {
      assert.ok(offer.split('; ').includes(param), `${param} in ${offer}`);
    }
    assert.match(result.stderr, /server_max_window_bits=12/);
    assert.match(result.stderr, /client_max_window_bits=13/);
  });
});

describe('interop with ws, compression on', () => {
  test('wirekit connect --deflate against a ws server with perMessageDeflate', async () => {
    const wss = new WsServer({
      host: '127.0.0.1',
      port: 0,
      perMessageDeflate: { threshold: 0 },
    });
    await new Promise<void>((resolve) => wss.once('listening', resolve));
    wss.on('connection', (socket) => {
      socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
    });
    try {
      const port = (wss.address() as { port: number }).port;
      const big = jsonLines(15, 3000);
      const result = await runCli(
        ['connect', `ws://127.0.0.1:${port}`, '--deflate', '--deflate-level', '6', '--wait', '0'],
        `tiny\n${big.text}`,
      );
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, `tiny\n${big.text}`);
      assert.match(result.stderr, /^connected to \S+ \(permessage-deflate[^)]*\)\n/);
    } finally {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    }
  });

  test('a ws client with perMessageDeflate against wirekit serve --deflate --deflate-mode dedicated', async () => {
    const { url } = await startServe('--deflate', '--deflate-mode', 'dedicated', '--quiet');
    const client = new WsClient(url, { perMessageDeflate: true });
    const lines = Array.from({ length: 20 }, (_, i) => jsonLine(i, 200 + i * 300));
    try {
      await new Promise<void>((resolve, reject) => {
        client.once('open', resolve);
        client.once('error', reject);
      });
      assert.match(client.extensions, /^permessage-deflate/);
      const echoes: string[] = [];
      const done = new Promise<void>((resolve) => {
        client.on('message', (data) => {
          echoes.push(String(data));
          if (echoes.length === lines.length) resolve();
        });
      });
      for (const line of lines) client.send(line);
      await done;
      assert.deepEqual(echoes, lines);
    } finally {
      client.terminate();
    }
  });
});

describe('--deflate usage errors (exit 2, the option named)', () => {
  const cases: readonly [string[], RegExp][] = [
    [['--deflate-level', '3'], /--deflate-level needs --deflate/],
    [['--deflate-mode', 'shared'], /--deflate-mode needs --deflate/],
    [['--deflate', '--deflate-mode', 'fast'], /--deflate-mode must be shared or dedicated/],
    [['--deflate', '--deflate-level', '10'], /--deflate-level must be 0–9, not 10/],
    [['--deflate', '--deflate-level', 'best'], /--deflate-level needs a whole number/],
    [['--deflate', '--deflate-mem-level', '0'], /--deflate-mem-level must be 1–9/],
    [['--deflate', '--deflate-threshold', 'lots'], /--deflate-threshold needs a whole number/],
    [
      ['--deflate', '--deflate-server-window-bits', '8'],
      /9-15: zlib cannot compress with an 8-bit/,
    ],
    [
      ['--deflate', '--deflate-client-window-bits', '16'],
      /--deflate-client-window-bits must be 9–15/,
    ],
    [['--deflate=yes'], /--deflate/],
  ];

  for (const command of ['serve', 'connect'] as const) {
    test(`${command}`, async () => {
      const prefix =
        command === 'serve' ? ['serve', '--port', '0'] : ['connect', 'ws://127.0.0.1:1'];
      for (const [args, message] of cases) {
        const result = await runCli([...prefix, ...args]);
        assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
        assert.equal(result.stdout, '');
        assert.match(result.stderr, message, args.join(' '));
      }
    });
  }

  test('--help of serve and connect lists every --deflate option', async () => {
    for (const command of ['serve', 'connect']) {
      const result = await runCli([command, '--help']);
      assert.equal(result.code, 0);
      for (const option of [
        '--deflate ',
        '--deflate-mode',
        '--deflate-level',
        '--deflate-mem-level',
        '--deflate-threshold',
        '--deflate-server-window-bits',
        '--deflate-client-window-bits',
      ]) {
        assert.ok(result.stdout.includes(option), `${command} ${option}`);
      }
    }
  });
});
