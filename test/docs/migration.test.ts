/**
 * docs/migration-from-uwebsockets.md: every ```ts block is a verbatim excerpt of
 * examples/migration/uwebsockets.ts (which tsc compiles with the rest of the repo), and that
 * file's app is run here against 127.0.0.1 so the guide's wirekit side is known to work.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { kept, startApp, startBorrowing, stopApp } from '../../examples/migration/uwebsockets.js';
import { WirekitError } from '../../src/core/errors.js';
import { connect } from '../../src/node/connect.js';
import { recorder, until } from '../node/helpers.js';
import { codeBlocks } from './markdown.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('docs/migration-from-uwebsockets.md', { timeout: 30_000 }, () => {
  test('every ts block is a verbatim part of examples/migration/uwebsockets.ts', () => {
    const page = readFileSync(`${root}docs/migration-from-uwebsockets.md`, 'utf8');
    const source = readFileSync(`${root}examples/migration/uwebsockets.ts`, 'utf8');
    const blocks = codeBlocks(page, 'ts');
    assert.ok(blocks.length >= 8, `only ${blocks.length} ts blocks`);
    for (const block of blocks) assert.ok(source.includes(block), `not in the example:\n${block}`);
  });

  test('the app: 401 without the token, user data, echo, broadcast, 1001 on stop', async () => {
    const app = await startApp(0);
    const url = `ws://127.0.0.1:${app.address.port}/chat?user=ada`;
    const auth = { Authorization: 'Bearer let-me-in' };
    try {
      const refused = await connect(url).then(
        () => assert.fail('expected a refusal'),
        (e: unknown) => e,
      );
      assert.ok(refused instanceof WirekitError);
      assert.equal(refused.status, 401);

      const ada = recorder();
      const ws = await connect(url, { headers: auth, handler: ada.handler });
      const bob = recorder();
      await connect(url.replace('ada', 'bob'), { headers: auth, handler: bob.handler });
      await until(() => bob.messages().length === 1, "bob's greeting");
      ws.send('echo me');
      ws.send('broadcast');
      await until(
        () => ada.messages().length === 3 && bob.messages().length === 2,
        'the echo and the broadcast',
      );
      assert.deepEqual(
        ada.messages().map((m) => m.data.toString()),
        ['hello ada', 'echo me', 'ada says hi'],
      );
      assert.deepEqual(
        bob.messages().map((m) => m.data.toString()),
        ['hello bob', 'ada says hi'],
      );
      await stopApp(app);
      assert.equal((await ada.closed).code, 1001);
      assert.equal((await bob.closed).code, 1001);
    } finally {
      await app.close();
    }
  });

  test('readBuffer: borrowed views are echoed, and the copies kept stay intact', async () => {
    const app = await startBorrowing(0);
    try {
      const client = recorder();
      const ws = await connect(`ws://127.0.0.1:${app.address.port}/`, { handler: client.handler });
      ws.send('first');
      ws.send('second');
      await until(() => client.messages().length === 2, 'the echoes');
      assert.deepEqual(
        client.messages().map((m) => m.data.toString()),
        ['first', 'second'],
      );
      assert.deepEqual(
        kept.map((b) => b.toString()),
        ['first', 'second'],
      );
    } finally {
      await app.close();
    }
  });
});
