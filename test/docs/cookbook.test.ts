/**
 * The cookbook recipes, run: each `docs/cookbook/NAME.md` shows `examples/cookbook/NAME.ts`
 * verbatim (its one ```ts block must equal the file, so the page cannot drift from the code
 * that runs), and each recipe is driven here against servers on 127.0.0.1 port 0 and its
 * output checked. Waits are bounded by `until`/`within`; nothing depends on how fast it runs.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startAuthServer } from '../../examples/cookbook/auth-server.js';
import { startChat } from '../../examples/cookbook/chat-rooms.js';
import { startCoreServer } from '../../examples/cookbook/core-loop.js';
import { followTrades } from '../../examples/cookbook/market-data.js';
import { getIdempotent, printTickers } from '../../examples/cookbook/rest-pool.js';
import { ErrorCode, WirekitError } from '../../src/core/errors.js';
import { connect } from '../../src/node/connect.js';
import { ClientPool } from '../../src/node/http/client-pool.js';
import { type ListeningServer, serve } from '../../src/node/websocket-server.js';
import { recorder, until, within } from '../node/helpers.js';
import { codeBlocks } from './markdown.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const RECIPES = ['market-data', 'rest-pool', 'auth-server', 'chat-rooms', 'core-loop'];

describe('docs/cookbook pages show their example files verbatim', () => {
  test('every page has an example and every example a page', () => {
    const pages = readdirSync(`${root}docs/cookbook`)
      .filter((name) => name.endsWith('.md') && name !== 'README.md')
      .map((name) => name.slice(0, -3));
    const files = readdirSync(`${root}examples/cookbook`)
      .filter((name) => name.endsWith('.ts'))
      .map((name) => name.slice(0, -3));
    assert.deepEqual(pages.sort(), [...RECIPES].sort());
    assert.deepEqual(files.sort(), [...RECIPES].sort());
  });
  for (const name of RECIPES) {
    test(`docs/cookbook/${name}.md == examples/cookbook/${name}.ts`, () => {
      const page = readFileSync(`${root}docs/cookbook/${name}.md`, 'utf8');
      const blocks = codeBlocks(page, 'ts');
      assert.equal(blocks.length, 1, 'one ```ts block per page');
      assert.equal(blocks[0], readFileSync(`${root}examples/cookbook/${name}.ts`, 'utf8'));
    });
  }
});

/** The rejection of `promise`, which must be a WirekitError. */
async function failure(promise: Promise<unknown>): Promise<WirekitError> {
  const error = await promise.then(
    () => assert.fail('expected a failure'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof WirekitError, String(error));
  return error;
}

describe('cookbook recipes, run', { timeout: 60_000 }, () => {
  test('market-data: resubscribes after the server is killed and restarted', async () => {
    /** An exchange that answers a subscription with one trade per symbol at `price`. */
    const exchange = (port: number, price: number): Promise<ListeningServer> =>
      serve({
        port,
        host: '127.0.0.1',
        handler: {
          message(ws, data) {
            const { symbols } = JSON.parse(data.toString()) as { symbols: string[] };
            for (const symbol of symbols) ws.send(JSON.stringify({ symbol, price }));
          },
        },
      });
    let server = await exchange(0, 100);
    const port = server.address.port;
    const lines: string[] = [];
    const feed = followTrades(`ws://127.0.0.1:${port}/`, ['BTC-USD'], (line) => lines.push(line));
    try {
      await until(() => lines.includes('trade BTC-USD 100'), 'the first trade');
      await server.close(); // the "exchange" goes away (1001) …
      await until(() => lines.some((l) => l.startsWith('reconnecting')), 'a reconnect');
      server = await exchange(port, 101); // … and comes back on the same port
      await until(() => lines.includes('trade BTC-USD 101'), 'the trade after the restart');
      assert.deepEqual(
        lines.filter((l) => !l.startsWith('reconnecting')),
        [
          'connected, subscribed',
          'trade BTC-USD 100',
          'connected, subscribed',
          'trade BTC-USD 101',
        ],
      );
      assert.equal(
        lines.find((l) => l.startsWith('reconnecting')),
        'reconnecting (attempt 1)',
      );
    } finally {
      feed.close();
      await within(feed.closed, 10_000, 'the feed to stop');
      await server.close();
    }
  });

  test('rest-pool: a GET answered by a hang-up is sent again on a new connection', async () => {
    let hangups = 1;
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(req.url ?? '');
      if (hangups > 0) {
        hangups--;
        req.socket.destroy(); // no answer at all: the client sees a stale connection
        return;
      }
      const symbol = new URL(req.url ?? '/', 'http://x').searchParams.get('symbol');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ price: symbol === 'BTC-USD' ? 100 : 200 }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const lines: string[] = [];
      await printTickers(url, ['BTC-USD', 'ETH-USD'], (line) => lines.push(line));
      assert.deepEqual(lines, ['BTC-USD 200 100', 'ETH-USD 200 200']);
      assert.deepEqual(seen, [
        '/api/ticker?symbol=BTC-USD',
        '/api/ticker?symbol=BTC-USD',
        '/api/ticker?symbol=ETH-USD',
      ]);

      // A server that always hangs up: the retry gives up after `attempts` sends.
      hangups = Number.POSITIVE_INFINITY;
      seen.length = 0;
      const pool = await ClientPool.create({ url, basePath: '/api' });
      try {
        const error = await failure(getIdempotent(pool, '/ticker', 3));
        assert.equal(error.code, ErrorCode.HTTP_STALE_CONNECTION);
        assert.equal(seen.length, 3);
      } finally {
        await pool.close();
      }
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test('auth-server: 401 without a valid token; ws.data carries the user and a count', async () => {
    const server = await startAuthServer(0, new Map([['t0ken', 'ada']]));
    const url = `ws://127.0.0.1:${server.address.port}/`;
    try {
      assert.equal((await failure(connect(url))).status, 401);
      const wrong = connect(url, { headers: { Authorization: 'Bearer nope' } });
      assert.equal((await failure(wrong)).status, 401);

      const client = recorder();
      const ws = await connect(url, {
        headers: { Authorization: 'Bearer t0ken' },
        handler: client.handler,
      });
      ws.send('one');
      ws.send('two');
      await until(() => client.messages().length === 3, 'the welcome and two answers');
      assert.deepEqual(
        client.messages().map((m) => m.data.toString()),
        ['welcome, ada', 'ada #1: one', 'ada #2: two'],
      );

      const byQuery = recorder();
      await connect(`${url}?token=t0ken`, { handler: byQuery.handler });
      await until(() => byQuery.messages().length === 1, 'the welcome');
      assert.equal(byQuery.messages()[0]!.data.toString(), 'welcome, ada');
    } finally {
      await server.close();
    }
  });

  test('chat-rooms: a message reaches the members of its room only', async () => {
    const server = await startChat(0);
    const base = `ws://127.0.0.1:${server.address.port}/?name=`;
    try {
      const people = new Map<string, ReturnType<typeof recorder>>();
      const sockets = new Map<string, Awaited<ReturnType<typeof connect>>>();
      for (const [name, room] of [
        ['alice', 'lobby'],
        ['bob', 'lobby'],
        ['carol', 'dev'],
      ] as const) {
        const client = recorder();
        const ws = await connect(`${base}${name}`, { handler: client.handler });
        ws.send(`join ${room}`);
        await until(() => client.messages().length === 1, `${name} to join`);
        people.set(name, client);
        sockets.set(name, ws);
      }
      const said = (name: string): string[] =>
        people
          .get(name)!
          .messages()
          .map((m) => m.data.toString());

      sockets.get('alice')!.send('say lobby hello');
      await until(() => said('alice').length === 2 && said('bob').length === 2, 'the lobby line');
      // Carol's own line comes after anything sent to her before it: the lobby line did not.
      sockets.get('carol')!.send('say dev hi');
      await until(() => said('carol').length === 2, 'the dev line');
      assert.deepEqual(said('alice'), ['joined lobby', 'lobby alice: hello']);
      assert.deepEqual(said('bob'), ['joined lobby', 'lobby alice: hello']);
      assert.deepEqual(said('carol'), ['joined dev', 'dev carol: hi']);

      // Bob leaves by disconnecting; the room forgets him, and saying in a room one is not in
      // does nothing.
      sockets.get('bob')!.close();
      await people.get('bob')!.closed;
      sockets.get('carol')!.send('say lobby sneaky');
      sockets.get('alice')!.send('say lobby still here?');
      await until(() => said('alice').length === 3, 'the second lobby line');
      assert.equal(said('alice')[2], 'lobby alice: still here?');
      assert.equal(said('bob').length, 2);
    } finally {
      await server.close();
    }
  });

  test('core-loop: a net server driving the core echoes in upper case and closes cleanly', async () => {
    const server = await startCoreServer(0);
    const port = (server.address() as AddressInfo).port;
    try {
      const plain = await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: 'close' } });
      assert.equal(plain.status, 426, 'a request that is not an upgrade');
      await plain.text();

      const client = recorder();
      const ws = await connect(`ws://127.0.0.1:${port}/`, { handler: client.handler });
      ws.send('hello core');
      ws.send('again');
      await until(() => client.messages().length === 2, 'the answers');
      assert.deepEqual(
        client.messages().map((m) => m.data.toString()),
        ['HELLO CORE', 'AGAIN'],
      );
      ws.close(1000, 'done');
      const closed = await client.closed;
      assert.equal(closed.code, 1000);
      assert.equal(closed.wasClean, true);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

/** The test's side of a recipe run as a program: its stdout lines so far, and its exit. */
function runProgram(name: string, env: Readonly<Record<string, string>>) {
  const child = spawn(process.execPath, [`${root}dist/examples/cookbook/${name}.js`], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (text: string) => {
    output += text;
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return {
    child,
    lines: (): string[] => output.split('\n').filter((line) => line !== ''),
    exit: () => within(exited, 10_000, `${name} to exit`),
  };
}

describe('cookbook recipes, run as programs', { timeout: 60_000 }, () => {
  test('node dist/examples/cookbook/market-data.js prints trades across a restart', async () => {
    const exchange = (port: number, price: number): Promise<ListeningServer> =>
      serve({
        port,
        host: '127.0.0.1',
        handler: {
          message(ws) {
            ws.send(JSON.stringify({ symbol: 'BTC-USD', price }));
          },
        },
      });
    let server = await exchange(0, 7);
    const port = server.address.port;
    const program = runProgram('market-data', { URL: `ws://127.0.0.1:${port}/` });
    try {
      await until(() => program.lines().includes('trade BTC-USD 7'), 'the first trade');
      await server.close();
      server = await exchange(port, 8);
      await until(() => program.lines().includes('trade BTC-USD 8'), 'the trade after restart');
      program.child.kill('SIGINT'); // the program closes its feed and exits
      assert.deepEqual(await program.exit(), [0, null]);
      assert.deepEqual(
        program.lines().filter((l) => !l.startsWith('reconnecting')),
        ['connected, subscribed', 'trade BTC-USD 7', 'connected, subscribed', 'trade BTC-USD 8'],
      );
    } finally {
      program.child.kill();
      await server.close();
    }
  });

  test('node dist/examples/cookbook/rest-pool.js prints both tickers and exits 0', async () => {
    const server = createServer((req, res) => {
      const symbol = new URL(req.url ?? '/', 'http://x').searchParams.get('symbol');
      res.end(JSON.stringify({ price: symbol === 'BTC-USD' ? 1 : 2 }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const program = runProgram('rest-pool', { URL: `http://127.0.0.1:${port}` });
      assert.deepEqual(await program.exit(), [0, null]);
      assert.deepEqual(program.lines(), ['BTC-USD 200 1', 'ETH-USD 200 2']);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
