/**
 * permessage-deflate as Node users configure it: `deflate: true` or an object, turned into the
 * negotiation options of the core and the zlib settings of the codec.
 */
import { ErrorCode, WirekitError } from '../core/errors.js';
import type { DeflateOptions } from '../core/ws/permessage-deflate.js';
import { type DeflateSettings, zlibCodecsAvailable } from './zlib-codec.js';

/** Compression options of a server or client. */
export interface DeflateConfig extends DeflateOptions, DeflateSettings {
  /**
   * `shared`: no context takeover in either direction, so one zlib context per process and
   * direction serves every connection — memory does not grow with connections (the server
   * default). `dedicated`: each connection keeps its own contexts between messages — the best
   * ratio for small similar messages, at about 250 KiB per busy connection (the client
   * default); an idle connection's compressor is freed. With many connections, 11- or 12-bit
   * windows (`serverMaxWindowBits`/`clientMaxWindowBits`) and `memLevel: 4` halve the memory and
   * keep most of the ratio (see BENCHMARKS.md, permessage-deflate).
   */
  readonly mode?: 'shared' | 'dedicated';
}

/** What a side negotiates and how its codecs are built. */
export interface ResolvedDeflate {
  readonly negotiation: DeflateOptions;
  readonly settings: DeflateSettings;
}

/** `undefined` when compression is off (or zlib cannot be driven synchronously here). */
export function resolveDeflate(
  option: boolean | DeflateConfig | undefined,
  server: boolean,
): ResolvedDeflate | undefined {
  if (option === undefined || option === false || !zlibCodecsAvailable()) return undefined;
  const config: DeflateConfig = option === true ? {} : option;
  const shared = (config.mode ?? (server ? 'shared' : 'dedicated')) === 'shared';
  const negotiation: DeflateOptions = {
    ...(config.serverMaxWindowBits === undefined
      ? {}
      : { serverMaxWindowBits: config.serverMaxWindowBits }),
    ...(config.clientMaxWindowBits === undefined
      ? {}
      : { clientMaxWindowBits: config.clientMaxWindowBits }),
    serverNoContextTakeover: shared || (config.serverNoContextTakeover ?? false),
    clientNoContextTakeover: shared || (config.clientNoContextTakeover ?? false),
  };
  checkSetting(config.level, 'level', 0, 9);
  checkSetting(config.memLevel, 'memLevel', 1, 9);
  checkSetting(config.threshold, 'threshold', 0, Number.MAX_SAFE_INTEGER);
  checkSetting(config.maxCompressedSize, 'maxCompressedSize', 0, Number.MAX_SAFE_INTEGER);
  const settings: DeflateSettings = {
    ...(config.level === undefined ? {} : { level: config.level }),
    ...(config.memLevel === undefined ? {} : { memLevel: config.memLevel }),
    ...(config.threshold === undefined ? {} : { threshold: config.threshold }),
    ...(config.maxCompressedSize === undefined
      ? {}
      : { maxCompressedSize: config.maxCompressedSize }),
  };
  return { negotiation, settings };
}

/** Settings are checked when the server or client is made, not at the first compressed send. */
function checkSetting(value: number | undefined, name: string, min: number, max: number): void {
  if (value !== undefined && (!Number.isInteger(value) || value < min || value > max)) {
    throw new WirekitError(
      ErrorCode.INVALID_ARGUMENT,
      `deflate.${name} must be an integer from ${min} to ${max === Number.MAX_SAFE_INTEGER ? 'up' : max}, not ${value}`,
    );
  }
}
