/**
 * Numeric option values, checked: a port, a count, seconds, a byte size with an optional
 * `K`/`M`/`G` suffix (powers of 1024). A bad value is a {@link UsageError} naming the option.
 * Every command reads byte sizes through {@link byteSizeOption}, so `serve --max-message-size`
 * and `bench --payload` take the same spellings.
 */
import { UsageError } from './usage-error.js';

/** Bounds of a numeric option. */
export interface NumberRule {
  /** Smallest allowed value (inclusive). */
  readonly min: number;
  /** Largest allowed value (inclusive). Default `Number.MAX_SAFE_INTEGER`. */
  readonly max?: number;
  /** Only whole numbers. Default true. */
  readonly integer?: boolean;
}

const SIZE_UNITS = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 } as const;

/**
 * The number an option was given, or `fallback` when it was not.
 *
 * @example
 * ```ts
 * numberOption(values.port, '--port', 9001, { min: 0, max: 65535 }); // 9001 when absent
 * ```
 */
export function numberOption(
  text: string | undefined,
  option: string,
  fallback: number,
  rule: NumberRule,
): number {
  if (text === undefined) return fallback;
  const value = /^\s*[-+]?(\d+\.?\d*|\.\d+)\s*$/.test(text) ? Number(text) : Number.NaN;
  return checked(value, text, option, rule);
}

/**
 * A byte size: `65536`, `512B`, `64K`, `64KB`, `64KiB`, `16M`, `1G` (K = 1024; the letters in
 * either case). Only whole numbers: `1.5M` is refused rather than rounded.
 *
 * @example
 * ```ts
 * byteSizeOption('16M', '--max-message-size', 0, { min: 1 }); // 16777216
 * ```
 */
export function byteSizeOption(
  text: string | undefined,
  option: string,
  fallback: number,
  rule: NumberRule,
): number {
  if (text === undefined) return fallback;
  const match = /^\s*(\d+)\s*(?:([kmg])(?:i?b)?|b)?\s*$/i.exec(text);
  const unit = (match?.[2] ?? '').toLowerCase() as keyof typeof SIZE_UNITS;
  const value = match === null ? Number.NaN : Number(match[1]) * SIZE_UNITS[unit];
  return checked(value, text, option, rule, sizeText);
}

/**
 * A byte count as the shortest exact spelling `byteSizeOption` reads back: `64M`, `1536K`,
 * `100`.
 *
 * @example
 * ```ts
 * sizeText(64 * 1024 * 1024); // '64M'
 * ```
 */
export function sizeText(bytes: number): string {
  for (const unit of ['G', 'M', 'K'] as const) {
    const scale = SIZE_UNITS[unit.toLowerCase() as keyof typeof SIZE_UNITS];
    if (bytes >= scale && bytes % scale === 0) return `${bytes / scale}${unit}`;
  }
  return String(bytes);
}

function checked(
  value: number,
  text: string,
  option: string,
  rule: NumberRule,
  show?: (value: number) => string,
): number {
  const max = rule.max ?? Number.MAX_SAFE_INTEGER;
  const integer = rule.integer ?? true;
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    const wanted =
      show !== undefined
        ? 'a whole number of bytes, with an optional K, M or G suffix (e.g. 512, 64K, 1M)'
        : integer
          ? 'a whole number'
          : 'a number';
    throw new UsageError(`${option} needs ${wanted}, not ${JSON.stringify(text)}`);
  }
  if (value < rule.min || value > max) {
    const say = show ?? String;
    const range =
      max === Number.MAX_SAFE_INTEGER
        ? `at least ${say(rule.min)}`
        : `${say(rule.min)}–${say(max)}`;
    throw new UsageError(`${option} must be ${range}, not ${text}`);
  }
  return value;
}
