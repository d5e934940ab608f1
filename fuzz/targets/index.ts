/** Every fuzz target, by name. */
import type { FuzzTarget } from '../engine/fuzz-target.js';
import { connectionTarget } from './connection-target.js';
import { frameReaderTarget } from './frame-reader-target.js';
import { handshakeTarget } from './handshake-target.js';
import { chunkedTarget, httpRequestTarget, httpResponseTarget } from './http-target.js';
import { http3Target } from './http3-target.js';
import { inflateTarget } from './inflate-target.js';
import { maskTarget } from './mask-target.js';
import { qpackTarget } from './qpack-target.js';
import { utf8Target } from './utf8-target.js';

export const targets: readonly FuzzTarget[] = [
  frameReaderTarget,
  connectionTarget,
  httpRequestTarget,
  httpResponseTarget,
  chunkedTarget,
  handshakeTarget,
  utf8Target,
  maskTarget,
  inflateTarget,
  http3Target,
  qpackTarget,
];
