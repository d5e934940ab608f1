/** Every fuzz target, by name. */
import type { FuzzTarget } from '../engine/fuzz-target.js';
import { frameReaderTarget } from './frame-reader-target.js';
import { chunkedTarget, httpRequestTarget, httpResponseTarget } from './http-target.js';
import { maskTarget } from './mask-target.js';
import { utf8Target } from './utf8-target.js';

export const targets: readonly FuzzTarget[] = [
  frameReaderTarget,
  httpRequestTarget,
  httpResponseTarget,
  chunkedTarget,
  utf8Target,
  maskTarget,
];
