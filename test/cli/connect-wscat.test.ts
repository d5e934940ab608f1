/**
 * `wirekit connect` with wscat's habits, as a real process against a library server that
 * records what it sees: `-c URL`, slash commands (`/ping` with `-P`, `/close CODE REASON`,
 * `//` for a literal slash), `-x`/`-w`, and the URLs it refuses.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { serve, type WebSocketServer } from '../../src/index.js';
import { runCli, startCli, startCliOnTerminal, stopAllCli } from './cli-process.js';

after(stopAllCli);

describe('wscat habits against a recording server', () => {
  let server: WebSocketServer | undefined;
  let url = '';
  let port = 0;
  const received: string[] = [];
  const closes: { code: number; reason: string }[] = [];
  let closed: () => void = () => {};

  before(async () => {
    server = await serve({
      port: 0,
      host: '127.0.0.1',
      handler: {
        open(ws) {
          ws.ping('from-server');
        },
        message(ws, data, isBinary) {
          received.push(data.toString());
          ws.send(data, isBinary);
        },
        close(_ws, code, reason) {
          closes.push({ code, reason });
          closed();
        },
      },
    });
    port = server.address!.port;
    url = `ws://127.0.0.1:${port}`;
  });
  after(() => server?.close());

  /** Resolves at the next close the server sees. */
  function nextClose(): Promise<void> {
    return new Promise((resolve) => {
      closed = resolve;
    });
  }

  test('/ping shows the pong with -P, // sends a literal slash, /close 4000 bye closes with it', async () => {
    received.length = 0;
    closes.length = 0;
    const serverSawClose = nextClose();
    const client = startCli('connect', url, '--slash', '-P');
    await client.waitFor('stderr', /^connected to /);
    await client.waitFor('stderr', /\nreceived ping "from-server"\n/);
    client.write('/ping are you there\n');
    await client.waitFor('stderr', /\nreceived pong "are you there"\n/);
    client.write('//etc/hosts\n');
    await client.waitFor('stdout', /^\/etc\/hosts\n/);
    client.write('/close 4000 bye\n');
    await serverSawClose;
    assert.deepEqual(closes, [{ code: 4000, reason: 'bye' }]);
    assert.deepEqual(received, ['/etc/hosts']); // commands are not sent as messages
    const exit = await client.exit();
    // The close this side asked for is a normal end.
    assert.deepEqual(exit, { code: 0, signal: null }, client.stderr);
    assert.match(client.stderr, /\nclosed: code 4000, reason "bye"\n$/);
  });

  test('on a terminal slash commands are on without --slash', async () => {
    received.length = 0;
    closes.length = 0;
    const serverSawClose = nextClose();
    const client = startCliOnTerminal('connect', url, '-P');
    await client.waitFor('stdout', /connected to \S+; \/help for commands/);
    client.write('/ping typed\r');
    await client.waitFor('stdout', /received pong "typed"/);
    client.write('hello\r');
    await client.waitFor('stdout', /< hello\r\n/);
    client.write('/close 4000 bye\r');
    await serverSawClose;
    assert.deepEqual(closes, [{ code: 4000, reason: 'bye' }]);
    assert.deepEqual(received, ['hello']);
    assert.equal((await client.exit()).code, 0, client.stdout);
    assert.match(client.stdout, /closed: code 4000, reason "bye"\r\n$/);
  });

  test('without -P pings and pongs are not shown; without --slash a piped line is a message', async () => {
    received.length = 0;
    const result = await runCli(['connect', url, '--wait', '0.2'], '/ping x\n');
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(received, ['/ping x']);
    assert.equal(result.stdout, '/ping x\n');
    assert.doesNotMatch(result.stderr, /received/);
  });

  test('/help lists the commands; a refused command is reported and fails a piped run', async () => {
    closes.length = 0;
    const result = await runCli(
      ['connect', url, '--slash', '--wait', '0.2'],
      '/help\n/close 1005\n/bogus\nstill here\n',
    );
    assert.equal(result.code, 1, result.stderr);
    for (const command of ['/ping [data]', '/pong [data]', '/close [code [reason]]', '//text'])
      assert.ok(result.stderr.includes(command), command);
    assert.match(result.stderr, /\nerror: close code 1005 may not be sent/);
    assert.match(result.stderr, /\nerror: unknown command \/bogus: \/help lists them/);
    assert.equal(result.stdout, 'still here\n');
    assert.match(result.stderr, /\nclosed: code 1000\n$/);
  });

  test('-c URL -x MSG -x MSG -w S: sends, waits, closes with 1000 (stdin is not read)', async () => {
    received.length = 0;
    closes.length = 0;
    const result = await runCli(
      ['connect', '-c', url, '-x', 'first', '-x', 'second', '-w', '0.3'],
      'not sent\n',
    );
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(received, ['first', 'second']);
    assert.equal(result.stdout, 'first\nsecond\n');
    assert.deepEqual(closes, [{ code: 1000, reason: '' }]);
  });

  test('URLs: both forms at once, http:// and https://, no scheme: usage errors (exit 2)', async () => {
    const cases: [string[], RegExp][] = [
      [['connect', url, '-c', url], /give the URL once/],
      [['connect'], /missing URL/],
      [
        ['connect', `http://127.0.0.1:${port}/chat`],
        new RegExp(
          `URL http://127\\.0\\.0\\.1:${port}/chat is an HTTP URL: use ws://127\\.0\\.0\\.1:${port}/chat `,
        ),
      ],
      [['connect', '-c', 'https://example.com/'], /is an HTTP URL: use wss:\/\/example\.com\/ /],
      [['connect', `127.0.0.1:${port}`], /needs ws:\/\/ or wss:\/\/ in front/],
    ];
    await Promise.all(
      cases.map(async ([args, message]) => {
        const result = await runCli(args);
        assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
        assert.match(result.stderr, message, args.join(' '));
        assert.match(result.stderr, /\(see wirekit connect --help\)\n$/);
      }),
    );
  });

  test('wss:// to a port that does not speak TLS: a plain-language message', async () => {
    const result = await runCli(['connect', `wss://127.0.0.1:${port}`]);
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      `wirekit connect: the server at 127.0.0.1:${port} does not speak TLS: use ws:// instead of wss://\n`,
    );
  });
});
