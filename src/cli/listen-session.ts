/**
 * `wirekit connect --listen PORT` (wscat's `-l`): a WebSocket server for the terminal. Each
 * client that connects is announced on stderr with a number; each message received is printed
 * on stdout (as `connect` prints them); each stdin line is sent to every connected client, and
 * slash commands (`/ping`, `/pong`, `/close [code [reason]]`) go to every client too. When
 * stdin ends (Ctrl-D, or the end of piped input after `--wait` seconds) or on Ctrl-C, the
 * server says 1001 to its clients, stops and the command exits.
 */
import { createInterface, type Interface } from 'node:readline';
import {
  CloseCode,
  type Connection,
  type ListeningServer,
  ReadyState,
  type ServerHandler,
  serve,
  WirekitError,
} from '../index.js';
import { ExitCode } from './exit-code.js';
import { formatControl, formatMessage } from './message-format.js';
import { SLASH_HELP, type SlashCommand, slashCommand } from './slash-command.js';

/** How the listening session behaves (from the command line). */
export interface ListenSettings {
  /** TCP port to listen on; 0 picks a free one (the status line names it). */
  readonly port: number;
  /** Address to listen on. */
  readonly host: string;
  /** Send lines as binary messages. */
  readonly binary: boolean;
  /** After piped stdin ends: ms to keep receiving before stopping. */
  readonly waitMs: number;
  /** Print received pings and pongs. */
  readonly showPingPong: boolean;
  /** Slash commands on piped stdin (they are always on interactively). */
  readonly slash: boolean;
  /** stdin is a terminal: prompt, `< ` prefixes, slash commands. */
  readonly interactive: boolean;
}

/** The number a client got when it connected, for the status lines. */
interface ClientData {
  readonly id: number;
}

/**
 * One `connect --listen` session: {@link run} starts the server and resolves with the exit
 * code once it has stopped.
 *
 * @example
 * ```ts
 * process.exitCode = await new ListenSession(settings).run();
 * ```
 */
export class ListenSession {
  readonly #settings: ListenSettings;
  readonly #clients = new Set<Connection<ClientData>>();
  #nextId = 1;
  #input: Interface | undefined;
  #stopping = false;
  /** Slash commands or lines that failed on piped stdin (they make the exit status 1). */
  #failedCommands = 0;

  constructor(settings: ListenSettings) {
    this.#settings = settings;
  }

  /** Listen, relay stdin and messages until stdin ends or a signal comes; the exit code. */
  async run(): Promise<number> {
    const settings = this.#settings;
    const server = await serve<ClientData>({
      port: settings.port,
      host: settings.host,
      handler: this.#handler(),
    });
    let stopped: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      stopped = resolve;
    });
    let waitTimer: NodeJS.Timeout | undefined;
    const stop = (): void => {
      if (this.#stopping) return;
      this.#stopping = true;
      clearTimeout(waitTimer);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      server.close(CloseCode.GOING_AWAY, 'listener stopped').then(stopped, stopped);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);

    const hint = settings.interactive
      ? '; lines go to every client, /help for commands, Ctrl-D or Ctrl-C to stop'
      : '';
    this.#status(`listening on ${listenUrl(server)}${hint}`);
    const lines = this.#readInput(() => {
      // stdin ended: let messages arrive for --wait seconds (piped), then stop.
      waitTimer = setTimeout(stop, settings.interactive ? 0 : settings.waitMs);
    });
    this.#input = lines;
    if (settings.interactive) lines.prompt();

    await done;
    lines.close();
    process.stdin.destroy();
    this.#input = undefined;
    this.#status('stopped listening');
    return this.#failedCommands === 0 ? ExitCode.OK : ExitCode.FAILURE;
  }

  #handler(): ServerHandler<ClientData> {
    const session = this;
    const { showPingPong } = this.#settings;
    return {
      upgrade(): ClientData {
        return { id: session.#nextId++ };
      },
      open(ws): void {
        session.#clients.add(ws);
        session.#status(`client ${ws.data.id} connected from ${ws.remoteAddress}`);
      },
      message(_ws, data, isBinary): void {
        session.#print(formatMessage(data, isBinary));
      },
      ping(ws, data): void {
        if (showPingPong)
          session.#status(`received ping ${formatControl(data)} from ${ws.data.id}`);
      },
      pong(ws, data): void {
        if (showPingPong)
          session.#status(`received pong ${formatControl(data)} from ${ws.data.id}`);
      },
      close(ws, code, reason, wasClean): void {
        session.#clients.delete(ws);
        const why = reason === '' ? '' : `, reason ${JSON.stringify(reason)}`;
        const clean = wasClean ? '' : ' (not clean)';
        session.#status(`client ${ws.data.id} disconnected: code ${code}${why}${clean}`);
      },
    };
  }

  #readInput(ended: () => void): Interface {
    const { interactive } = this.#settings;
    const slash = interactive || this.#settings.slash;
    const lines = createInterface({
      input: process.stdin,
      crlfDelay: Number.POSITIVE_INFINITY,
      terminal: interactive,
      ...(interactive ? { output: process.stdout, prompt: '> ' } : {}),
    });
    lines.on('line', (line) => {
      this.#perform(slash ? slashCommand(line) : { kind: 'message', text: line });
      if (interactive) lines.prompt();
    });
    lines.on('SIGINT', () => lines.close());
    lines.on('close', ended);
    return lines;
  }

  /** Do what one stdin line asks, to every open client. */
  #perform(command: SlashCommand): void {
    if (command.kind === 'help') {
      for (const line of SLASH_HELP) this.#status(line);
      return;
    }
    if (command.kind === 'invalid') {
      this.#refused(command.problem);
      return;
    }
    const open = [...this.#clients].filter((ws) => ws.readyState === ReadyState.OPEN);
    if (open.length === 0) {
      this.#refused('no client is connected: nothing sent');
      return;
    }
    try {
      for (const ws of open) {
        switch (command.kind) {
          case 'message':
            if (this.#settings.binary) ws.sendBinary(command.text);
            else ws.sendText(command.text);
            break;
          case 'ping':
            ws.ping(command.data);
            break;
          case 'pong':
            ws.pong(command.data);
            break;
          case 'close':
            ws.close(command.code ?? CloseCode.NORMAL, command.reason);
            break;
          default:
            command satisfies never;
        }
      }
    } catch (error) {
      // Misuse the library refuses at once: a close code that may not be sent, a ping or a
      // close reason over the 125-byte control frame limit (RFC 6455 §5.5).
      if (!(error instanceof WirekitError)) throw error;
      this.#refused(error.message);
    }
  }

  #refused(problem: string): void {
    this.#status(`error: ${problem}`);
    if (!this.#settings.interactive) this.#failedCommands += 1;
  }

  /** A received message on stdout; on a terminal above the prompt, as `< …`. */
  #print(line: string): void {
    if (this.#settings.interactive && this.#input !== undefined) {
      process.stdout.write(`\r\x1b[2K< ${line}\n`);
      this.#input.prompt(true);
    } else {
      process.stdout.write(`${line}\n`);
    }
  }

  /** A status line on stderr; on a terminal it replaces the prompt line, then redraws it. */
  #status(line: string): void {
    if (this.#settings.interactive && this.#input !== undefined) {
      process.stderr.write(`\r\x1b[2K${line}\n`);
      if (!this.#stopping) this.#input.prompt(true);
    } else {
      process.stderr.write(`${line}\n`);
    }
  }
}

/** The URL clients use, with the port the server got (an IPv6 host in brackets). */
function listenUrl(server: ListeningServer<ClientData>): string {
  const { address, port } = server.address;
  const host = address.includes(':') ? `[${address}]` : address;
  return `ws://${host}:${port}`;
}
