/**
 * `wirekit connect URL`: a WebSocket client for the terminal, with wscat's habits. Each line of
 * stdin is sent as a message (text, or binary with `--binary`); each message received is
 * printed on stdout (see `formatMessage`); status (connected, closed with code and
 * reason, pings and pongs with `--show-ping-pong`) goes to stderr. With a terminal on stdin it
 * is interactive (a `> ` prompt, received messages shown as `< …`, slash commands such as
 * `/ping` and `/close 4000 bye`); otherwise it is scriptable: it sends every line (slash
 * commands with `--slash`), keeps receiving for `--wait` seconds after stdin ends, then closes
 * with 1000. `--execute MSG` sends MSG instead of reading stdin. With `--http2` the WebSocket is
 * a stream of an HTTP/2 session (RFC 8441): h2 by ALPN for `wss://`, h2c with prior knowledge
 * for `ws://`. With `--listen PORT` (wscat's `-l`) it is the other end: a server that prints
 * what its clients send and sends them the lines typed (see `ListenSession`).
 *
 * Exit codes: 0 when the close handshake completed with 1000, 1001, no status (1005) or the
 * code given to `/close`; 1 for a refused handshake (the server's status and the start of its
 * body are printed), a lost connection, any other close code or a slash command that failed
 * in scriptable mode; 2 for a usage error.
 */
import { type Connection, connect, ErrorCode, WirekitError } from '../index.js';
import { commandHelp } from './command-help.js';
import type { Command, CommandSpec, OptionValues } from './command-spec.js';
import { connectFailure } from './connect-failure.js';
import { ConnectSession } from './connect-session.js';
import { DEFLATE_OPTIONS, deflateOption } from './deflate-options.js';
import { ExitCode } from './exit-code.js';
import { headerOption } from './header-option.js';
import { ListenSession } from './listen-session.js';
import { numberOption } from './number-option.js';
import { parseArgs } from './parse-args.js';
import { SLASH_HELP } from './slash-command.js';
import { TLS_OPTIONS, tlsOption } from './tls-options.js';
import { UsageError } from './usage-error.js';
import { websocketUrlOption } from './websocket-url-option.js';

const connectSpec = {
  name: 'connect',
  summary:
    'Open a WebSocket: stdin lines go out as messages, received messages are printed on stdout.',
  usage: [
    '(URL | -c URL | -l PORT [--host HOST]) [--binary] [-H "NAME: VALUE"]... [-s P]...',
    '[-x MSG]... [-w S] [-P] [--slash] [--http2 | --http3]',
    '[--ca FILE] [--cert FILE --key FILE] [--insecure | -n]',
    '[--deflate [--deflate-mode shared|dedicated] [--deflate-level N] [--deflate-threshold N]',
    '  [--deflate-mem-level N] [--deflate-server-window-bits B] [--deflate-client-window-bits B]]',
  ],
  positionals: { min: 0, max: 1, label: 'URL' },
  options: {
    connect: {
      type: 'string',
      short: 'c',
      value: 'URL',
      description: 'the URL to connect to (wscat), instead of the URL argument',
    },
    listen: {
      type: 'string',
      short: 'l',
      value: 'PORT',
      description: 'listen on PORT instead (wscat): print what clients send, send them stdin lines',
    },
    host: {
      type: 'string',
      value: 'HOST',
      description: 'with --listen: the address to listen on (default 127.0.0.1)',
    },
    binary: { type: 'boolean', description: 'send each line as a binary message (UTF-8 bytes)' },
    header: {
      type: 'string',
      multiple: true,
      short: 'H',
      value: '"NAME: VALUE"',
      description: 'add a request header field',
    },
    subprotocol: {
      type: 'string',
      multiple: true,
      short: 's',
      value: 'P',
      description: 'offer a subprotocol (Sec-WebSocket-Protocol), most preferred first',
    },
    execute: {
      type: 'string',
      multiple: true,
      short: 'x',
      value: 'MSG',
      description: 'send MSG once connected (instead of reading stdin), wait --wait S, close',
    },
    wait: {
      type: 'string',
      short: 'w',
      value: 'S',
      description: 'seconds to keep receiving after stdin ends or --execute sent (default 1)',
    },
    'show-ping-pong': {
      type: 'boolean',
      short: 'P',
      description: 'print the pings and pongs received (on stderr)',
    },
    slash: {
      type: 'boolean',
      description: 'slash commands (/ping, /close, …) on piped stdin too; always on a terminal',
    },
    ...TLS_OPTIONS,
    http2: {
      type: 'boolean',
      description:
        'open the WebSocket over HTTP/2 (RFC 8441): h2 for wss://, h2c for ws://; no fallback',
    },
    http3: {
      type: 'boolean',
      description:
        "open the WebSocket over HTTP/3 (RFC 9220, QUIC on the URL's port over UDP; wss:// only, needs the optional @matrixai/quic package); no fallback",
    },
    ...DEFLATE_OPTIONS,
  },
  notes: [
    'Output: text messages are printed as they are, one per line; a binary message as\n' +
      '"<binary N bytes> HEX", the hex of its first 64 bytes ("…" when longer). On a terminal\n' +
      'they are prefixed with "< " under a "> " prompt. Status lines (connected; closed with\n' +
      'code and reason; pings and pongs with -P) go to stderr.',
    `Slash commands (on a terminal, or with --slash), as in wscat:\n${SLASH_HELP.map((line) => `  ${line}`).join('\n')}`,
    'Exit status: 0 after a clean close with 1000, 1001, no code or the code given to /close;\n' +
      '1 when the handshake is refused (the HTTP status and body are printed), the connection\n' +
      'is lost or closed with another code, or a slash command fails on piped stdin; 2 for a\n' +
      'usage error, such as an http:// URL (WebSocket URLs are ws:// and wss://).',
    'TLS: a certificate the system does not trust (self-signed, a private CA) needs --ca FILE\n' +
      'with its CA; --insecure (or -n) skips the check, for testing only.',
    'Listen mode (wscat -l): --listen PORT starts a server on --host (default 127.0.0.1; PORT 0\n' +
      'picks a free one, named in the "listening on" line). Each client is announced on stderr\n' +
      'with a number; its messages are printed on stdout; each stdin line (and slash command)\n' +
      'goes to every connected client. When stdin ends (after --wait S when piped) or on\n' +
      'Ctrl-C the server closes its clients with 1001 and the command exits. The client-only\n' +
      'options (URL, -H, -s, -x, TLS, --http2, --http3, --deflate) do not apply.',
    'Compression: with --deflate the client offers permessage-deflate; the status line shows\n' +
      'the agreed Sec-WebSocket-Extensions, or says the server declined. Mode dedicated (the\n' +
      'default) keeps context between messages; shared asks for no context takeover both ways.',
    'HTTP/2: with --http2 the client opens an HTTP/2 session (TLS with ALPN h2 for wss://,\n' +
      'cleartext h2c with prior knowledge for ws://), waits for the server to enable the\n' +
      'extended CONNECT protocol (RFC 8441 §3) and opens the WebSocket as one stream; it fails\n' +
      '(exit 1) rather than fall back to HTTP/1.1. The status line says "over HTTP/2".',
    "HTTP/3: with --http3 the client opens a QUIC connection to the URL's host and port,\n" +
      "waits for the server's SETTINGS to enable extended CONNECT (RFC 9220 §3) and opens the\n" +
      'WebSocket as one request stream; it fails (exit 1) rather than fall back. The status\n' +
      'line says "over HTTP/3".',
    'Examples:\n' +
      '  printf "hello\\nworld\\n" | wirekit connect ws://127.0.0.1:9001\n' +
      '  wirekit connect -c ws://127.0.0.1:9001 -x hello -w 2\n' +
      '  wirekit connect -l 8080\n' +
      '  printf "/ping hi\\n/close 4000 bye\\n" | wirekit connect ws://127.0.0.1:9001 --slash -P',
  ],
} as const satisfies CommandSpec;

/** The `connect` command. */
export const connectCommand: Command = {
  name: connectSpec.name,
  summary: connectSpec.summary,
  run: runConnect,
};

async function runConnect(args: readonly string[]): Promise<number> {
  const { help, values, positionals } = parseArgs(connectSpec, args);
  if (help) {
    process.stdout.write(commandHelp(connectSpec));
    return ExitCode.OK;
  }
  if (values.listen !== undefined) return runListen(values, positionals);
  if (values.host !== undefined) throw new UsageError('--host goes with --listen PORT');
  const given = positionals[0];
  if (given !== undefined && values.connect !== undefined)
    throw new UsageError('give the URL once: as the argument or with --connect (-c), not both');
  const text = given ?? values.connect;
  if (text === undefined) throw new UsageError('missing URL (the argument, or --connect URL)');
  const url = websocketUrlOption(text, 'URL');
  const headers = headerOption(values.header ?? []);
  const waitMs = 1000 * numberOption(values.wait, '--wait', 1, { min: 0, integer: false });
  const deflate = deflateOption(values);
  const http2 = values.http2 === true;
  const http3 = values.http3 === true;
  if (http2 && http3) throw new UsageError('--http2 and --http3 exclude each other');
  if (http3 && url.protocol !== 'wss:')
    throw new UsageError('--http3 needs a wss:// URL: QUIC is always TLS');
  const tls = tlsOption(values);
  const session = new ConnectSession({
    url: text,
    binary: values.binary === true,
    execute: values.execute ?? [],
    waitMs,
    showPingPong: values['show-ping-pong'] === true,
    slash: values.slash === true,
    interactive: process.stdin.isTTY === true,
    deflate: deflate !== undefined,
    http2,
    http3,
  });

  let ws: Connection;
  try {
    ws = await connect(text, {
      handler: session.handler,
      protocols: values.subprotocol ?? [],
      headers,
      tls,
      ...(deflate === undefined ? {} : { deflate }),
      ...(http2 ? { http2 } : {}),
      ...(http3 ? { http3 } : {}),
    });
  } catch (error) {
    if (error instanceof WirekitError && error.code === ErrorCode.INVALID_ARGUMENT)
      throw new UsageError(error.message);
    throw connectFailure(error, url);
  }
  return session.run(ws);
}

/** The client-only options, refused with `--listen` rather than ignored. */
const CLIENT_ONLY = [
  'connect',
  'header',
  'subprotocol',
  'execute',
  'http2',
  'http3',
  'ca',
  'cert',
  'key',
  'insecure',
  'no-check',
  'deflate',
  'deflate-mode',
  'deflate-level',
  'deflate-threshold',
  'deflate-mem-level',
  'deflate-server-window-bits',
  'deflate-client-window-bits',
] as const satisfies readonly (keyof typeof connectSpec.options)[];

/** `connect --listen PORT`: the server side, as wscat's `-l`. */
function runListen(
  values: OptionValues<typeof connectSpec.options>,
  positionals: readonly string[],
): Promise<number> {
  if (positionals.length > 0)
    throw new UsageError('--listen takes no URL: clients connect to the port it listens on');
  const clientOnly = CLIENT_ONLY.find((name) => values[name] !== undefined);
  if (clientOnly !== undefined)
    throw new UsageError(`--${clientOnly} is a client option; it does not go with --listen`);
  const session = new ListenSession({
    port: numberOption(values.listen, '--listen', 0, { min: 0, max: 65535 }),
    host: values.host ?? '127.0.0.1',
    binary: values.binary === true,
    waitMs: 1000 * numberOption(values.wait, '--wait', 1, { min: 0, integer: false }),
    showPingPong: values['show-ping-pong'] === true,
    slash: values.slash === true,
    interactive: process.stdin.isTTY === true,
  });
  return session.run();
}
