/**
 * wscat's slash commands for `wirekit connect`: a stdin line that starts with `/` is a command
 * (`/ping [data]`, `/pong [data]`, `/close [code [reason]]`, `/help`) rather than a message. A
 * line that starts with `//` is the message with its first `/` removed, so any text can still
 * be sent.
 */

/** What a line asks for. */
export type SlashCommand =
  | { readonly kind: 'message'; readonly text: string }
  | { readonly kind: 'ping' | 'pong'; readonly data: string }
  | { readonly kind: 'close'; readonly code: number | undefined; readonly reason: string }
  | { readonly kind: 'help' }
  | { readonly kind: 'invalid'; readonly problem: string };

/** The `/help` text, one command a line. */
export const SLASH_HELP: readonly string[] = [
  '/ping [data]             send a ping (data: at most 125 bytes)',
  '/pong [data]             send an unsolicited pong',
  '/close [code [reason]]   start the close handshake (default code 1000)',
  '/help                    this list',
  '//text                   send "/text" as a message',
];

/**
 * Read one stdin line.
 *
 * @example
 * ```ts
 * slashCommand('/close 4000 bye now'); // { kind: 'close', code: 4000, reason: 'bye now' }
 * slashCommand('//etc');               // { kind: 'message', text: '/etc' }
 * slashCommand('hello');               // { kind: 'message', text: 'hello' }
 * ```
 */
export function slashCommand(line: string): SlashCommand {
  if (!line.startsWith('/')) return { kind: 'message', text: line };
  if (line.startsWith('//')) return { kind: 'message', text: line.slice(1) };
  const match = /^\/(\S*)(?:\s(.*))?$/s.exec(line)!;
  const name = match[1]!;
  const rest = match[2] ?? '';
  switch (name) {
    case 'ping':
    case 'pong':
      return { kind: name, data: rest };
    case 'close':
      return closeCommand(rest.trim());
    case 'help':
      return { kind: 'help' };
    default:
      return {
        kind: 'invalid',
        problem: `unknown command /${name}: /help lists them; start the line with // to send it as a message`,
      };
  }
}

function closeCommand(args: string): SlashCommand {
  if (args === '') return { kind: 'close', code: undefined, reason: '' };
  const [, codeText = '', reason = ''] = /^(\S+)\s*(.*)$/s.exec(args) ?? [];
  if (!/^\d+$/.test(codeText))
    return {
      kind: 'invalid',
      problem: `/close takes a close code first (1000, or 3000-4999), not ${JSON.stringify(codeText)}`,
    };
  return { kind: 'close', code: Number(codeText), reason };
}
