/**
 * `wirekit connect URL`: a WebSocket client for the terminal, like wscat. Each line of stdin is
 * sent as a message (text, or binary with `--binary`); each message received is printed on
 * stdout (see {@link formatMessage}); status (connected, closed with code and reason) goes to
 * stderr. With a terminal on stdin it is interactive (a `> ` prompt, received messages shown as
 * `< …`); otherwise it is scriptable: it sends every line, keeps receiving for `--wait` seconds
 * after stdin ends, then closes with 1000. With `--http2` the WebSocket is a stream of an HTTP/2
 * session (RFC 8441): h2 by ALPN for `wss://`, h2c with prior knowledge for `ws://`.
 *
 * Exit codes: 0 when the close handshake completed with 1000, 1001 or no status (1005); 1 for a
 * refused handshake (the server's status and the start of its body are printed), a lost
 * connection or any other close code; 2 for a usage error.
 */
import { readFileSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import {
  type ClientTlsOptions,
  CloseCode,
  type Connection,
  type ConnectionHandler,
  connect,
  ErrorCode,
  ReadyState,
  WirekitError,
} from '../index.js';
import { commandHelp } from './command-help.js';
import type { Command, CommandSpec } from './command-spec.js';
import { DEFLATE_OPTIONS, deflateOption } from './deflate-options.js';
import { ExitCode } from './exit-code.js';
import { headerOption } from './header-option.js';
import { formatMessage } from './message-format.js';
import { numberOption } from './number-option.js';
import { parseArgs } from './parse-args.js';
import { UsageError } from './usage-error.js';

const connectSpec = {
  name: 'connect',
  summary:
    'Open a WebSocket: stdin lines go out as messages, received messages are printed on stdout.',
  usage: [
    'URL [--binary] [--header "NAME: VALUE"]... [--subprotocol P]...',
    '[--insecure] [--ca FILE] [--wait S] [--http2]',
    '[--deflate [--deflate-mode shared|dedicated] [--deflate-level N] [--deflate-threshold N]',
    '  [--deflate-mem-level N] [--deflate-server-window-bits B] [--deflate-client-window-bits B]]',
  ],
  positionals: { min: 1, max: 1, label: 'URL' },
  options: {
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
    insecure: {
      type: 'boolean',
      short: 'k',
      description: 'wss: do not verify the server certificate',
    },
    ca: { type: 'string', value: 'FILE', description: 'wss: trust this CA certificate (PEM)' },
    wait: {
      type: 'string',
      value: 'S',
      description: 'piped stdin: seconds to keep receiving after stdin ends (default 1)',
    },
    http2: {
      type: 'boolean',
      description:
        'open the WebSocket over HTTP/2 (RFC 8441): h2 for wss://, h2c for ws://; no fallback',
    },
    ...DEFLATE_OPTIONS,
  },
  notes: [
    'Output: text messages are printed as they are, one per line; a binary message as\n' +
      '"<binary N bytes> HEX", the hex of its first 64 bytes ("…" when longer). On a terminal\n' +
      'they are prefixed with "< " under a "> " prompt. Status lines (connected; closed with\n' +
      'code and reason) go to stderr.',
    'Exit status: 0 after a clean close with 1000, 1001 or no code; 1 when the handshake is\n' +
      'refused (the HTTP status and body are printed), the connection is lost or closed with\n' +
      'another code; 2 for a usage error.',
    'Compression: with --deflate the client offers permessage-deflate; the status line shows\n' +
      'the agreed Sec-WebSocket-Extensions, or says the server declined. Mode dedicated (the\n' +
      'default) keeps context between messages; shared asks for no context takeover both ways.',
    'HTTP/2: with --http2 the client opens an HTTP/2 session (TLS with ALPN h2 for wss://,\n' +
      'cleartext h2c with prior knowledge for ws://), waits for the server to enable the\n' +
      'extended CONNECT protocol (RFC 8441 §3) and opens the WebSocket as one stream; it fails\n' +
      '(exit 1) rather than fall back to HTTP/1.1. The status line says "over HTTP/2".',
    'Example: printf "hello\\nworld\\n" | wirekit connect ws://127.0.0.1:9001',
  ],
} as const satisfies CommandSpec;

/** The `connect` command. */
export const connectCommand: Command = {
  name: connectSpec.name,
  summary: connectSpec.summary,
  run: runConnect,
};

/** How the connection ended. */
interface CloseInfo {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/** Close codes after which `connect` exits 0 (RFC 6455 §7.4.1). */
const NORMAL_CLOSE_CODES: readonly number[] = [
  CloseCode.NORMAL,
  CloseCode.GOING_AWAY,
  CloseCode.NO_STATUS,
];

async function runConnect(args: readonly string[]): Promise<number> {
  const { help, values, positionals } = parseArgs(connectSpec, args);
  if (help) {
    process.stdout.write(commandHelp(connectSpec));
    return ExitCode.OK;
  }
  const url = positionals[0]!;
  const binary = values.binary === true;
  const headers = headerOption(values.header ?? []);
  const protocols = values.subprotocol ?? [];
  const waitMs = 1000 * numberOption(values.wait, '--wait', 1, { min: 0, integer: false });
  const tls: ClientTlsOptions = {
    ...(values.ca === undefined ? {} : { ca: readFileSync(values.ca) }),
    ...(values.insecure === true ? { rejectUnauthorized: false } : {}),
  };
  const deflate = deflateOption(values);
  const http2 = values.http2 === true;
  const interactive = process.stdin.isTTY === true;

  let input: Interface | undefined;
  const print = (line: string): void => {
    if (interactive && input !== undefined) {
      // Write above the prompt, then redraw it with what was typed so far.
      process.stdout.write(`\r\x1b[2K< ${line}\n`);
      input.prompt(true);
    } else {
      process.stdout.write(`${line}\n`);
    }
  };
  const status = (line: string): void => {
    // Interactive: replace the prompt line rather than print after it.
    process.stderr.write(interactive && input !== undefined ? `\r\x1b[2K${line}\n` : `${line}\n`);
  };

  let reportClose: (info: CloseInfo) => void = () => {};
  const closed = new Promise<CloseInfo>((resolve) => {
    reportClose = resolve;
  });
  let inputPaused = false;
  const handler: ConnectionHandler = {
    open(ws): void {
      const protocol = ws.protocol === '' ? '' : ` (subprotocol ${ws.protocol})`;
      const compression =
        deflate === undefined
          ? ''
          : ws.extensions === ''
            ? ' (compression declined by the server)'
            : ` (${ws.extensions})`;
      const hint = interactive ? '; Ctrl-D or Ctrl-C to close' : '';
      const transport = http2 ? ' over HTTP/2' : '';
      status(`connected to ${url}${transport}${protocol}${compression}${hint}`);
    },
    message(_ws, data, isBinary): void {
      print(formatMessage(data, isBinary));
    },
    drain(): void {
      if (inputPaused) {
        inputPaused = false;
        input?.resume();
      }
    },
    close(_ws, code, reason, wasClean): void {
      reportClose({ code, reason, wasClean });
    },
  };

  let ws: Connection;
  try {
    ws = await connect(url, {
      handler,
      protocols,
      headers,
      tls,
      ...(deflate === undefined ? {} : { deflate }),
      ...(http2 ? { http2 } : {}),
    });
  } catch (error) {
    if (error instanceof WirekitError && error.code === ErrorCode.INVALID_ARGUMENT)
      throw new UsageError(error.message);
    throw error;
  }

  let finished = false;
  let waitTimer: NodeJS.Timeout | undefined;
  const closeNormally = (): void => {
    if (ws.readyState === ReadyState.OPEN) ws.close(CloseCode.NORMAL);
  };
  const onSignal = (): void => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    closeNormally(); // a second signal ends the process the default way
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const lines = createInterface({
    input: process.stdin,
    crlfDelay: Number.POSITIVE_INFINITY,
    terminal: interactive,
    ...(interactive ? { output: process.stdout, prompt: '> ' } : {}),
  });
  input = lines;
  lines.on('line', (line) => {
    if (ws.readyState !== ReadyState.OPEN) return;
    const ok = binary ? ws.sendBinary(line) : ws.sendText(line);
    if (!ok && !inputPaused) {
      // Backpressure: read no more stdin until the socket drains.
      inputPaused = true;
      lines.pause();
    }
    if (interactive) lines.prompt();
  });
  lines.on('SIGINT', () => lines.close());
  lines.on('close', () => {
    if (finished) return;
    // stdin ended: let answers arrive for --wait seconds (piped), then close.
    waitTimer = setTimeout(closeNormally, interactive ? 0 : waitMs);
  });
  if (interactive) lines.prompt();

  const info = await closed;
  finished = true;
  clearTimeout(waitTimer);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  lines.close();
  process.stdin.destroy();
  const reason = info.reason === '' ? '' : `, reason ${JSON.stringify(info.reason)}`;
  const clean = info.wasClean ? '' : ' (not clean)';
  status(`closed: code ${info.code}${reason}${clean}`);
  return info.wasClean && NORMAL_CLOSE_CODES.includes(info.code) ? ExitCode.OK : ExitCode.FAILURE;
}
