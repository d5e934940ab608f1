/**
 * Numeric option values, checked: a port, a count, seconds, a byte size with an optional
 * `K`/`M`/`G` suffix (powers of 1024). A bad value is a {@link UsageError} naming the option.
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
 * A byte size: `65536`, `64K`, `16M`, `1G` (K = 1024).
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
  const match = /^\s*(\d+)\s*([kmg]?)i?b?\s*$/i.exec(text);
  const unit = (match?.[2] ?? '').toLowerCase() as keyof typeof SIZE_UNITS;
  const value = match === null ? Number.NaN : Number(match[1]) * SIZE_UNITS[unit];
  return checked(value, text, option, rule);
}

function checked(value: number, text: string, option: string, rule: NumberRule): number {
  const max = rule.max ?? Number.MAX_SAFE_INTEGER;
  const integer = rule.integer ?? true;
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new UsageError(
      `${option} needs ${integer ? 'a whole number' : 'a number'}, not ${JSON.stringify(text)}`,
    );
  }
  if (value < rule.min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${rule.min}` : `${rule.min}–${max}`;
    throw new UsageError(`${option} must be ${range}, not ${text}`);
  }
  return value;
}
