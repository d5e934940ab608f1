/**
 * How `wirekit connect` prints a received message: text as it is; binary as
 * `<binary N bytes> HEX`, the hex of at most the first 64 bytes followed by `…` when the
 * message is longer.
 */

/** Bytes of a binary message shown in hex. */
export const HEX_PREVIEW_BYTES = 64;

/**
 * One printable line (text may itself contain newlines) for a message.
 *
 * @example
 * ```ts
 * formatMessage(Buffer.from('hi'), false); // 'hi'
 * formatMessage(Buffer.from('hi'), true);  // '<binary 2 bytes> 6869'
 * ```
 */
export function formatMessage(data: Buffer, isBinary: boolean): string {
  if (!isBinary) return data.toString('utf8');
  const unit = data.length === 1 ? 'byte' : 'bytes';
  if (data.length === 0) return `<binary 0 ${unit}>`;
  const hex = data.subarray(0, HEX_PREVIEW_BYTES).toString('hex');
  const more = data.length > HEX_PREVIEW_BYTES ? '…' : '';
  return `<binary ${data.length} ${unit}> ${hex}${more}`;
}

/**
 * A ping or pong payload for a status line: quoted text, `(empty)`, or size and hex when it is
 * not UTF-8.
 *
 * @example
 * ```ts
 * formatControl(Buffer.from('hi')); // '"hi"'
 * formatControl(Buffer.alloc(0));   // '(empty)'
 * ```
 */
export function formatControl(data: Buffer): string {
  if (data.length === 0) return '(empty)';
  const text = data.toString('utf8');
  return Buffer.from(text, 'utf8').equals(data) ? JSON.stringify(text) : formatMessage(data, true);
}
