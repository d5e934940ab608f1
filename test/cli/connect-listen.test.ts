/**
 * `wirekit connect --listen PORT` (wscat's `-l`) as a real process, with library clients on
 * 127.0.0.1: it announces each client, prints what they send on stdout, sends them the lines
 * of its stdin (slash commands too), closes them with 1001 when stdin ends, refuses lines
 * when nobody is connected, and refuses the client-only options. Waits are bounded by the
 * helpers; nothing depends on how fast it runs.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { connect } from '../../src/index.js';
import { recorder, until } from '../node/helpers.js';
import { runCli, startCli, startCliOnTerminal, stopAllCli } from './cli-process.js';

after(stopAllCli);

describe('wirekit connect --listen', { timeout: 60_000 }, () => {
  test('prints what a client sends, sends it stdin lines and slash commands', async () => {
    const listener = startCli('connect', '-l', '0', '--slash', '-P', '-w', '0');
    const [, url] = await listener.waitFor('stderr', /^listening on (ws:\/\/127\.0\.0\.1:\d+)\n/);
    const client = recorder();
    const ws = await connect(url!, { handler: client.handler });
    await listener.waitFor('stderr', /\nclient 1 connected from 127\.0\.0\.1\n/);

    ws.sendText('hello listener');
    ws.sendBinary(Buffer.from([1, 2, 255]));
    await listener.waitFor('stdout', /^hello listener\n<binary 3 bytes> 0102ff\n$/);
    ws.ping('from client');
    await listener.waitFor('stderr', /\nreceived ping "from client" from 1\n/);

    listener.write('hi client\n');
    listener.write('/ping are you there\n');
    listener.write('//literal\n');
    await until(() => client.messages().length === 2, 'two lines from the listener');
    assert.deepEqual(
      client.messages().map((m) => [m.data.toString(), m.isBinary]),
      [
        ['hi client', false],
        ['/literal', false],
      ],
    );
    assert.deepEqual(
      client.events.flatMap((e) => (e.event === 'ping' ? [e.data.toString()] : [])),
      ['are you there'],
    );

    listener.write('/close 4000 bye\n');
    const closed = await client.closed;
    assert.deepEqual([closed.code, closed.reason, closed.wasClean], [4000, 'bye', true]);
    await listener.waitFor('stderr', /\nclient 1 disconnected: code 4000, reason "bye"\n/);

    listener.end();
    assert.deepEqual(await listener.exit(), { code: 0, signal: null }, listener.stderr);
    assert.match(listener.stderr, /\nstopped listening\n$/);
  });

  test('every connected client gets each line; stdin ending closes them with 1001', async () => {
    const listener = startCli('connect', '--listen', '0', '-w', '0');
    const [, url] = await listener.waitFor('stderr', /^listening on (ws:\/\/\S+)\n/);
    const first = recorder();
    const second = recorder();
    await connect(url!, { handler: first.handler });
    await connect(url!, { handler: second.handler });
    await listener.waitFor('stderr', /\nclient 2 connected from /);

    listener.end('to everyone\n');
    const [a, b] = await Promise.all([first.closed, second.closed]);
    for (const client of [first, second])
      assert.deepEqual(
        client.messages().map((m) => m.data.toString()),
        ['to everyone'],
      );
    assert.deepEqual([a.code, b.code], [1001, 1001]);
    assert.deepEqual(await listener.exit(), { code: 0, signal: null }, listener.stderr);
  });

  test('a line with no client connected is refused (exit 1 when piped)', async () => {
    const result = await runCli(['connect', '-l', '0', '-w', '0'], 'nobody hears this\n');
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /\nerror: no client is connected: nothing sent\n/);
    assert.equal(result.stdout, '');
  });

  test('on a terminal: a prompt, received messages as "< …", lines sent as typed', async () => {
    const listener = startCliOnTerminal('connect', '-l', '0');
    const [, url] = await listener.waitFor('stdout', /listening on (ws:\/\/\S+);/);
    const client = recorder();
    const ws = await connect(url!, { handler: client.handler });
    await listener.waitFor('stdout', /client 1 connected from 127\.0\.0\.1/);
    ws.sendText('shown with a prefix');
    await listener.waitFor('stdout', /< shown with a prefix/);
    listener.write('typed here\r');
    await until(() => client.messages().length === 1, 'the typed line');
    assert.equal(client.messages()[0]!.data.toString(), 'typed here');
    listener.write('\x04'); // Ctrl-D: stop listening
    const closed = await client.closed;
    assert.equal(closed.code, 1001);
    assert.deepEqual(await listener.exit(), { code: 0, signal: null }, listener.stdout);
  });

  test('usage errors: a URL, a client-only option, --host without --listen', async () => {
    for (const [args, message] of [
      [['-l', '0', 'ws://127.0.0.1:1'], '--listen takes no URL'],
      [['-l', '0', '-H', 'A: b'], '--header is a client option'],
      [['-l', '0', '--insecure'], '--insecure is a client option'],
      [['-l', '70000'], '--listen'],
      [['--host', '::1', 'ws://127.0.0.1:1'], '--host goes with --listen PORT'],
    ] as const) {
      const result = await runCli(['connect', ...args]);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.ok(result.stderr.includes(message), result.stderr);
    }
  });
});
