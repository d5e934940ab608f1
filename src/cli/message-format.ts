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
