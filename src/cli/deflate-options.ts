/**
 * permessage-deflate (RFC 7692) on the command line, shared by `serve` and `connect`: the
 * option spec entries (spread into a command's `options`) and their translation into the
 * `deflate` option of `serve()` / `connect()`. `--deflate` turns compression on; the
 * `--deflate-*` options tune it and are a usage error without it (a typo then cannot silently
 * leave compression off).
 */
import type { ConnectOptions } from '../index.js';
import type { OptionValues } from './command-spec.js';
import { byteSizeOption, numberOption } from './number-option.js';
import { UsageError } from './usage-error.js';

/** The option spec entries; spread them into a command's `options`. */
export const DEFLATE_OPTIONS = {
  deflate: {
    type: 'boolean',
    description:
      'permessage-deflate compression (RFC 7692): offer it (connect) or accept it (serve)',
  },
  'deflate-mode': {
    type: 'string',
    value: 'MODE',
    description:
      'shared (no context takeover, one zlib context per process; serve default) or dedicated (per-connection contexts, better ratio; connect default)',
  },
  'deflate-level': {
    type: 'string',
    value: 'N',
    description: 'zlib compression level 0-9 (default 1: fastest)',
  },
  'deflate-mem-level': {
    type: 'string',
    value: 'N',
    description: 'zlib memLevel 1-9: compressor hash memory, 2^(N+9) bytes (default 8)',
  },
  'deflate-threshold': {
    type: 'string',
    value: 'N',
    description:
      'send messages smaller than N bytes uncompressed, K/M suffixes allowed (default 1K)',
  },
  'deflate-server-window-bits': {
    type: 'string',
    value: 'B',
    description: 'largest LZ77 window the server compresses with: 2^B bytes, 9-15 (default 15)',
  },
  'deflate-client-window-bits': {
    type: 'string',
    value: 'B',
    description: 'largest LZ77 window the client compresses with: 2^B bytes, 9-15 (default 15)',
  },
} as const;

/** The settings form of the `deflate` option of `serve()` and `connect()` (one type for both). */
type DeflateSettingsOption = Exclude<NonNullable<ConnectOptions['deflate']>, boolean>;

/** What the CLI passes as `deflate` to `serve()` / `connect()`: `true` or settings. */
export type DeflateOption = true | DeflateSettingsOption;

const MODES = ['shared', 'dedicated'] as const;
type DeflateMode = (typeof MODES)[number];

function isMode(text: string): text is DeflateMode {
  return (MODES as readonly string[]).includes(text);
}

/**
 * RFC 7692 §7.1.2 allows windows of 8-15 bits, but zlib cannot produce raw deflate with an
 * 8-bit window (it silently uses 9), so wirekit accepts 9-15.
 */
function windowBits(text: string | undefined, option: string): number | undefined {
  if (text === undefined) return undefined;
  const bits = Number(text);
  if (bits === 8)
    throw new UsageError(`${option} must be 9-15: zlib cannot compress with an 8-bit window`);
  return numberOption(text, option, 15, { min: 9, max: 15 });
}

/**
 * The `deflate` option for `serve()` / `connect()`, or `undefined` when `--deflate` was not
 * given. Only the settings given on the command line are set; the library's defaults apply to
 * the rest.
 *
 * @example
 * ```ts
 * deflateOption({ deflate: true, 'deflate-level': '6' }); // { level: 6 }
 * deflateOption({}); // undefined
 * ```
 */
export function deflateOption(
  values: OptionValues<typeof DEFLATE_OPTIONS>,
): DeflateOption | undefined {
  if (values.deflate !== true) {
    const tuning = Object.keys(DEFLATE_OPTIONS).find(
      (name) => name !== 'deflate' && values[name as keyof typeof DEFLATE_OPTIONS] !== undefined,
    );
    if (tuning !== undefined) throw new UsageError(`--${tuning} needs --deflate`);
    return undefined;
  }
  const mode = values['deflate-mode'];
  if (mode !== undefined && !isMode(mode))
    throw new UsageError(`--deflate-mode must be shared or dedicated, not ${JSON.stringify(mode)}`);
  const level = values['deflate-level'];
  const memLevel = values['deflate-mem-level'];
  const threshold = values['deflate-threshold'];
  const serverBits = windowBits(
    values['deflate-server-window-bits'],
    '--deflate-server-window-bits',
  );
  const clientBits = windowBits(
    values['deflate-client-window-bits'],
    '--deflate-client-window-bits',
  );
  const settings: DeflateSettingsOption = {
    ...(mode === undefined ? {} : { mode }),
    ...(level === undefined
      ? {}
      : { level: numberOption(level, '--deflate-level', 1, { min: 0, max: 9 }) }),
    ...(memLevel === undefined
      ? {}
      : { memLevel: numberOption(memLevel, '--deflate-mem-level', 8, { min: 1, max: 9 }) }),
    ...(threshold === undefined
      ? {}
      : { threshold: byteSizeOption(threshold, '--deflate-threshold', 1024, { min: 0 }) }),
    ...(serverBits === undefined ? {} : { serverMaxWindowBits: serverBits }),
    ...(clientBits === undefined ? {} : { clientMaxWindowBits: clientBits }),
  };
  return Object.keys(settings).length === 0 ? true : settings;
}

/**
 * How compression is set up, for a status line: `off`, or the mode and what was changed.
 *
 * @example
 * ```ts
 * describeDeflate({ level: 6 }, 'shared'); // 'permessage-deflate shared, level 6'
 * ```
 */
export function describeDeflate(
  option: DeflateOption | undefined,
  defaultMode: DeflateMode,
): string {
  if (option === undefined) return 'compression off';
  const settings: DeflateSettingsOption = option === true ? {} : option;
  const parts = [`permessage-deflate ${settings.mode ?? defaultMode}`];
  if (settings.level !== undefined) parts.push(`level ${settings.level}`);
  if (settings.threshold !== undefined) parts.push(`threshold ${settings.threshold} B`);
  return parts.join(', ');
}
