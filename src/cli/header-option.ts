/** `--header 'Name: value'` values as request header pairs. */
import { UsageError } from './usage-error.js';

/** RFC 9110 §5.6.2 token characters, the only ones allowed in a field name. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Split each `Name: value` at its first colon; the value is trimmed (RFC 9110 §5.5 optional
 * whitespace).
 *
 * @example
 * ```ts
 * headerOption(['Authorization: Bearer abc']); // [['Authorization', 'Bearer abc']]
 * ```
 */
export function headerOption(values: readonly string[]): [string, string][] {
  return values.map((text) => {
    const colon = text.indexOf(':');
    const name = colon < 0 ? '' : text.slice(0, colon).trim();
    if (!TOKEN.test(name)) {
      throw new UsageError(`--header needs "Name: value", not ${JSON.stringify(text)}`);
    }
    const value = text.slice(colon + 1).trim();
    if (/[\r\n\0]/.test(value)) {
      throw new UsageError(`--header value may not contain CR, LF or NUL: ${JSON.stringify(text)}`);
    }
    return [name, value];
  });
}
