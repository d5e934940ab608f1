/**
 * A real browser as the client: Debian's Chromium, headless, driven by `playwright-core`, loads
 * a page over http:// (then https://) and the page's own `WebSocket` talks to a wirekit server
 * over ws:// (then wss://, with the self-signed test certificate and
 * `--ignore-certificate-errors`). Checked from both sides: the page compares its echoes and
 * reports its CloseEvents; the server's handler records messages, closes and the upgrade
 * request. Covers the opening handshake with subprotocol and Origin (RFC 6455 §4.1, §4.2.2,
 * §10.2), text and binary data, a close from either side (§5.5.1, §7.1.2–§7.1.5), a 16 MiB
 * message, and a refused upgrade (§4.1: a non-101 answer fails the connection, code 1006).
 *
 * Chromium is not downloaded by Playwright: `.ci/run` installs Debian's `chromium` package, and
 * the test fails (never skips) when `/usr/bin/chromium` is missing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Connection } from '../../src/node/connection.js';
import type { UpgradeRequestInfo } from '../../src/node/upgrade-request.js';
import {
  rejectUpgrade,
  type ServerHandler,
  type WebSocketServer,
} from '../../src/node/websocket-server.js';
import { deferred, until, within } from '../node/helpers.js';
import { testTransports } from '../transports/test-transports.js';
import {
  type EchoResult,
  type LargeResult,
  type PageClose,
  type PageServer,
  patternByte,
  type RefusedResult,
  type ServerCloseResult,
  servePage,
} from './browser-page.js';
import { launchChromium, testChromiumInstalled } from './chromium.js';

const LARGE = 16 * 1024 * 1024;
const PAGE_CALL_MS = 60_000;

/** What the server saw of one browser connection (the connection's `data`). */
interface BrowserSession {
  readonly request: UpgradeRequestInfo;
  readonly messages: { readonly data: Buffer; readonly isBinary: boolean }[];
  readonly closed: ReturnType<typeof deferred<PageClose>>;
  opened: boolean;
  /** The extensions the server agreed to (`Connection.extensions`), set at open. */
  extensions: string | undefined;
}

/** Everything one transport's tests share: the wirekit server, the page server, the page. */
interface Fixture {
  readonly server: WebSocketServer<BrowserSession>;
  readonly pageServer: PageServer;
  readonly page: Page;
  readonly sessions: BrowserSession[];
  /** Request targets the `upgrade` hook refused. */
  readonly refused: string[];
}

/** Shared by every connection (one handler object, as wirekit intends). */
function browserHandler(
  sessions: BrowserSession[],
  refused: string[],
): ServerHandler<BrowserSession> {
  return {
    upgrade(request) {
      if (request.path === '/forbidden') {
        refused.push(request.url);
        throw rejectUpgrade(403, 'browsers are not welcome here');
      }
      const session: BrowserSession = {
        request,
        messages: [],
        closed: deferred<PageClose>(),
        opened: false,
        extensions: undefined,
      };
      sessions.push(session);
      return session;
    },
    open(ws) {
      ws.data.opened = true;
      ws.data.extensions = ws.extensions;
    },
    message(ws: Connection<BrowserSession>, data, isBinary) {
      ws.data.messages.push({ data: Buffer.from(data), isBinary });
      if (ws.data.request.path === '/server-close') ws.close(4000, 'server says goodbye');
      else ws.send(data, isBinary);
    },
    close(ws, code, reason, wasClean) {
      ws.data.closed.resolve({ code, reason, wasClean });
    },
  };
}

/** Call one of the page's functions with JSON arguments; bounded in time. */
function callPage<Result>(page: Page, name: string, ...args: unknown[]): Promise<Result> {
  const expression = `${name}(${args.map((a) => JSON.stringify(a)).join(', ')})`;
  return within(page.evaluate<Result>(expression), PAGE_CALL_MS, `the page's ${name}`);
}

/** The server's record of the connection whose request target is `url`. */
async function sessionFor(fixture: Fixture, url: string): Promise<BrowserSession> {
  await until(() => fixture.sessions.some((s) => s.request.url === url), `a session for ${url}`);
  return fixture.sessions.find((s) => s.request.url === url)!;
}

testChromiumInstalled();

describe('headless Chromium ↔ wirekit server', { timeout: 180_000 }, () => {
  let browser: Browser | undefined;

  before(async () => {
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
  });

  // A page's WebSocket over HTTP/1.1 (ws:// and wss://); over HTTP/2 in browser-http2.test.ts.
  for (const transport of testTransports().filter((t) => t.http === '1.1')) {
    describe(`a page over ${transport.name === 'tls' ? 'https' : 'http'} → ${transport.scheme}://`, () => {
      let fixture: Fixture | undefined;
      const the = (): Fixture => {
        assert.ok(fixture !== undefined, 'the fixture was not set up (see the before hook)');
        return fixture;
      };

      before(async () => {
        assert.ok(browser !== undefined, 'Chromium did not launch');
        const sessions: BrowserSession[] = [];
        const refused: string[] = [];
        const server = await transport.listen<BrowserSession>({
          handler: browserHandler(sessions, refused),
          selectProtocol: (offered) => offered.find((p) => p === 'chat.v1'),
        });
        const pageServer = await servePage(transport.serve.tls);
        const page = await browser.newPage({ ignoreHTTPSErrors: true });
        await page.goto(`${pageServer.origin}/`, { timeout: 30_000 });
        fixture = { server, pageServer, page, sessions, refused };
      });

      after(async () => {
        await fixture?.page.close();
        await fixture?.server.close();
        await fixture?.pageServer.close();
      });

      const wsUrl = (target: string): string => transport.url(the().server.address!.port, target);

      test('text and binary echo; the page closes with 4321 and a reason (§5.5.1, §7.4.2)', async (t) => {
        const fixture = the();
        const target = '/echo?case=round-trip';
        const result = await callPage<EchoResult>(
          fixture.page,
          'echoRoundTrip',
          wsUrl(target),
          ['chat.v2', 'chat.v1'],
          4321,
          'bye from the page ✓',
        );
        const session = await sessionFor(fixture, target);
        // The page's side: both echoes matched; subprotocol and extensions agree with the server.
        assert.equal(result.textOk, true, 'the text echo matched in the page');
        assert.equal(result.binaryOk, true, 'the binary echo matched in the page');
        assert.equal(result.protocol, 'chat.v1');
        assert.equal(result.extensions, session.extensions);
        // The close frame the page received is wirekit's answer: code and reason echoed (§5.5.1).
        assert.deepEqual(result.close, {
          code: 4321,
          reason: 'bye from the page ✓',
          wasClean: true,
        });
        // The server's side.
        assert.equal(session.opened, true);
        assert.deepEqual(
          session.messages.map((m) => ({ isBinary: m.isBinary, data: m.data.toString('hex') })),
          [
            {
              isBinary: false,
              data: Buffer.from('hello from Chromium ✓ — ünïcødé 𝄞').toString('hex'),
            },
            {
              isBinary: true,
              data: Buffer.from(Array.from({ length: 256 }, (_, i) => 255 - i)).toString('hex'),
            },
          ],
        );
        assert.deepEqual(await within(session.closed.promise, 10_000, 'the server close'), {
          code: 4321,
          reason: 'bye from the page ✓',
          wasClean: true,
        });
        // The opening handshake as Chromium sent it.
        const request = session.request;
        assert.deepEqual(request.protocols, ['chat.v2', 'chat.v1']);
        assert.equal(request.origin, fixture.pageServer.origin);
        assert.equal(request.headers.get('sec-websocket-version'), '13');
        const offer = request.headers.get('sec-websocket-extensions');
        t.diagnostic(`Chromium's Sec-WebSocket-Extensions offer: ${offer}`);
        t.diagnostic(`agreed extensions: ${JSON.stringify(session.extensions)}`);
        t.diagnostic(`Chromium's User-Agent: ${request.headers.get('user-agent')}`);
        assert.match(offer ?? '', /^permessage-deflate\b/, 'Chromium offers permessage-deflate');
      });

      test("the server closes with 4000 and a reason: the page's onclose sees both, clean", async () => {
        const fixture = the();
        const target = '/server-close?case=server-close';
        const result = await callPage<ServerCloseResult>(
          fixture.page,
          'serverCloses',
          wsUrl(target),
        );
        assert.deepEqual(result, {
          errors: 0,
          close: { code: 4000, reason: 'server says goodbye', wasClean: true },
        });
        const session = await sessionFor(fixture, target);
        assert.deepEqual(
          session.messages.map((m) => m.data.toString()),
          ['close me, please'],
        );
        const closed = await within(session.closed.promise, 10_000, 'the server close');
        assert.equal(closed.code, 4000, 'Chromium echoes the status code (§5.5.1)');
        assert.equal(closed.wasClean, true);
      });

      test('a 16 MiB binary message from the page arrives whole and echoes back', async () => {
        const fixture = the();
        const target = '/echo?case=large';
        const result = await callPage<LargeResult>(
          fixture.page,
          'largeRoundTrip',
          wsUrl(target),
          LARGE,
        );
        assert.deepEqual(result, {
          echoLength: LARGE,
          echoOk: true,
          close: { code: 1000, reason: 'large done', wasClean: true },
        });
        const session = await sessionFor(fixture, target);
        const [message] = session.messages;
        assert.equal(session.messages.length, 1);
        assert.equal(message?.isBinary, true);
        assert.equal(message?.data.length, LARGE);
        // The pattern repeats every 256 bytes: fill with one period.
        const period = Buffer.from(Array.from({ length: 256 }, (_, i) => patternByte(i)));
        const expected = Buffer.alloc(LARGE, period);
        assert.ok(message?.data.equals(expected), 'the server received the exact bytes');
        assert.deepEqual(await within(session.closed.promise, 10_000, 'the server close'), {
          code: 1000,
          reason: 'large done',
          wasClean: true,
        });
      });

      test('an upgrade refused with 403 reaches the page as error, then close 1006, not clean', async () => {
        const fixture = the();
        const target = '/forbidden?case=refused';
        const result = await callPage<RefusedResult>(fixture.page, 'refused', wsUrl(target));
        assert.deepEqual(result, {
          events: ['error', 'close'],
          close: { code: 1006, reason: '', wasClean: false },
        });
        assert.deepEqual(fixture.refused, [target]);
        assert.equal(
          fixture.sessions.some((s) => s.request.url === target),
          false,
          'no connection was made for the refused request',
        );
      });
    });
  }
});
