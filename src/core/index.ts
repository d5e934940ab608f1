/**
 * wirekit/core: the sans-IO protocol core. No sockets, timers or `node:` imports; bytes in,
 * events out. Runs unchanged on Node, Bun, Deno and browsers.
 *
 * @module wirekit/core
 */
export { base64Decode, base64Encode } from './bytes/base64.js';
export { type Masker, mask, maskCopy } from './bytes/mask.js';
export { type Sha1, sha1 } from './bytes/sha1.js';
export { isUtf8, isValidUtf8, type Utf8Check, Utf8Validator } from './bytes/utf8.js';
export { ErrorCode, WirekitError, type WirekitErrorOptions } from './errors.js';
export * as http1 from './http1/index.js';
export * as http3 from './http3/index.js';
export { type Platform, portablePlatform } from './platform.js';
export * as qpack from './qpack/index.js';
export * from './ws/index.js';
