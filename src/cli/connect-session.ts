/**
 * The terminal side of `wirekit connect` once the connection is open: stdin lines (or
 * `--execute` messages) out, messages in on stdout, status on stderr, slash commands, the
 * prompt on a terminal, and the exit code from how the connection closed.
 */
import { createInterface, type Interface } from 'node:readline';
import {
  CloseCode,
  type Connection,
  type ConnectionHandler,
  ReadyState,
  WirekitError,
} from '../index.js';
import { ExitCode } from './exit-code.js';
import { formatControl, formatMessage } from './message-format.js';
import { SLASH_HELP, type SlashCommand, slashCommand } from './slash-command.js';

/** How the session behaves (from the command line). */
export interface SessionSettings {
  /** The URL as given, for the status line. */
  readonly url: string;
  /** Send lines as binary messages. */
  readonly binary: boolean;
  /** Messages to send once open instead of reading stdin (`--execute`). */
  readonly execute: readonly string[];
  /** After stdin ends or `execute` was sent: ms to keep receiving before closing. */
  readonly waitMs: number;
  /** Print received pings and pongs. */
  readonly showPingPong: boolean;
  /** Slash commands on piped stdin (they are always on interactively). */
  readonly slash: boolean;
  /** stdin is a terminal: prompt, `< ` prefixes, slash commands. */
  readonly interactive: boolean;
  /** Compression was offered (the status line says whether the server agreed). */
  readonly deflate: boolean;
  readonly http2: boolean;
  readonly http3: boolean;
}

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

/**
 * One `connect` session: pass {@link handler} to `connect()`, then {@link run} with the open
 * connection.
 *
 * @example
 * ```ts
 * const session = new ConnectSession(settings);
 * const ws = await connect(url, { handler: session.handler });
 * process.exitCode = await session.run(ws);
 * ```
 */
export class ConnectSession {
  /** The callbacks for `connect()`. */
  readonly handler: ConnectionHandler;
  readonly #settings: SessionSettings;
  readonly #closed: Promise<CloseInfo>;
  #input: Interface | undefined;
  #inputPaused = false;
  #finished = false;
  /** The code this side asked for with `/close`: the server's echo of it is a normal end. */
  #closeCode: number | undefined;
  /** Slash commands that failed on piped stdin (they make the exit status 1). */
  #failedCommands = 0;

  constructor(settings: SessionSettings) {
    this.#settings = settings;
    let reportClose: (info: CloseInfo) => void = () => {};
    this.#closed = new Promise<CloseInfo>((resolve) => {
      reportClose = resolve;
    });
    const session = this;
    this.handler = {
      open(ws): void {
        session.#onOpen(ws);
      },
      message(_ws, data, isBinary): void {
        session.#print(formatMessage(data, isBinary));
      },
      ping(_ws, data): void {
        if (settings.showPingPong) session.#status(`received ping ${formatControl(data)}`);
      },
      pong(_ws, data): void {
        if (settings.showPingPong) session.#status(`received pong ${formatControl(data)}`);
      },
      drain(): void {
        if (session.#inputPaused) {
          session.#inputPaused = false;
          session.#input?.resume();
        }
      },
      close(_ws, code, reason, wasClean): void {
        reportClose({ code, reason, wasClean });
      },
    };
  }

  /** Drive the open connection until it closes; resolves with the exit code. */
  async run(ws: Connection): Promise<number> {
    const settings = this.#settings;
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

    if (settings.execute.length > 0) {
      // wscat's --execute: stdin is not read; send, let answers arrive, close.
      for (const message of settings.execute) this.#send(ws, message);
      waitTimer = setTimeout(closeNormally, settings.waitMs);
    } else {
      const lines = this.#readInput(ws, () => {
        if (this.#finished) return;
        // stdin ended: let answers arrive for --wait seconds (piped), then close.
        waitTimer = setTimeout(closeNormally, settings.interactive ? 0 : settings.waitMs);
      });
      this.#input = lines;
      if (settings.interactive) lines.prompt();
    }

    const info = await this.#closed;
    this.#finished = true;
    clearTimeout(waitTimer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (this.#input !== undefined) {
      this.#input.close();
      process.stdin.destroy();
    }
    const reason = info.reason === '' ? '' : `, reason ${JSON.stringify(info.reason)}`;
    const clean = info.wasClean ? '' : ' (not clean)';
    this.#status(`closed: code ${info.code}${reason}${clean}`);
    const expected = NORMAL_CLOSE_CODES.includes(info.code) || info.code === this.#closeCode;
    return info.wasClean && expected && this.#failedCommands === 0 ? ExitCode.OK : ExitCode.FAILURE;
  }

  #readInput(ws: Connection, ended: () => void): Interface {
    const { interactive } = this.#settings;
    const slash = interactive || this.#settings.slash;
    const lines = createInterface({
      input: process.stdin,
      crlfDelay: Number.POSITIVE_INFINITY,
      terminal: interactive,
      ...(interactive ? { output: process.stdout, prompt: '> ' } : {}),
    });
    lines.on('line', (line) => {
      this.#perform(ws, slash ? slashCommand(line) : { kind: 'message', text: line });
      if (interactive) lines.prompt();
    });
    lines.on('SIGINT', () => lines.close());
    lines.on('close', ended);
    return lines;
  }

  /** Do what one stdin line asks; a refused command is reported and the session goes on. */
  #perform(ws: Connection, command: SlashCommand): void {
    try {
      switch (command.kind) {
        case 'message':
          this.#send(ws, command.text);
          return;
        case 'ping':
          ws.ping(command.data);
          return;
        case 'pong':
          ws.pong(command.data);
          return;
        case 'close': {
          const code = command.code ?? CloseCode.NORMAL;
          const open = ws.readyState === ReadyState.OPEN;
          ws.close(code, command.reason);
          if (open) this.#closeCode = code;
          return;
        }
        case 'help':
          for (const line of SLASH_HELP) this.#status(line);
          return;
        case 'invalid':
          this.#refused(command.problem);
          return;
        default:
          command satisfies never;
      }
    } catch (error) {
      // Misuse the library refuses at once: a close code that may not be sent, a ping or a
      // close reason over the 125-byte control frame limit (RFC 6455 §5.5).
      if (!(error instanceof WirekitError)) throw error;
      this.#refused(error.message);
    }
  }

  #send(ws: Connection, text: string): void {
    if (ws.readyState !== ReadyState.OPEN) return;
    const ok = this.#settings.binary ? ws.sendBinary(text) : ws.sendText(text);
    if (!ok && !this.#inputPaused && this.#input !== undefined) {
      // Backpressure: read no more stdin until the socket drains.
      this.#inputPaused = true;
      this.#input.pause();
    }
  }

  #refused(problem: string): void {
    this.#status(`error: ${problem}`);
    if (!this.#settings.interactive) this.#failedCommands += 1;
  }

  #onOpen(ws: Connection): void {
    const { deflate, http2, http3, interactive, url } = this.#settings;
    const protocol = ws.protocol === '' ? '' : ` (subprotocol ${ws.protocol})`;
    const compression = !deflate
      ? ''
      : ws.extensions === ''
        ? ' (compression declined by the server)'
        : ` (${ws.extensions})`;
    const hint = interactive ? '; /help for commands, Ctrl-D or Ctrl-C to close' : '';
    const transport = http2 ? ' over HTTP/2' : http3 ? ' over HTTP/3' : '';
    this.#status(`connected to ${url}${transport}${protocol}${compression}${hint}`);
  }

  /** A received message on stdout; on a terminal above the prompt, as `< …`. */
  #print(line: string): void {
    if (this.#settings.interactive && this.#input !== undefined) {
      // Write above the prompt, then redraw it with what was typed so far.
      process.stdout.write(`\r\x1b[2K< ${line}\n`);
      this.#input.prompt(true);
    } else {
      process.stdout.write(`${line}\n`);
    }
  }

  /** A status line on stderr; on a terminal it replaces the prompt line, then redraws it
   * while the session goes on. */
  #status(line: string): void {
    if (this.#settings.interactive && this.#input !== undefined) {
      process.stderr.write(`\r\x1b[2K${line}\n`);
      if (!this.#finished) this.#input.prompt(true);
    } else {
      process.stderr.write(`${line}\n`);
    }
  }
}
