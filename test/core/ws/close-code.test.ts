/** isValidCloseCode against RFC 6455 §7.4.1–§7.4.2 and the IANA registry, for every 16-bit code. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CloseCode, isValidCloseCode } from '../../../src/core/ws/close-code.js';

describe('isValidCloseCode', () => {
  test('§7.4.1 defined codes 1000–1003 and 1007–1011, IANA 1012–1014 are valid', () => {
    for (const code of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014]) {
      assert.equal(isValidCloseCode(code), true, String(code));
    }
  });

  test('§7.4.1 reserved 1004, 1005, 1006, 1015 may not be on the wire', () => {
    for (const code of [1004, 1005, 1006, 1015]) assert.equal(isValidCloseCode(code), false);
  });

  test('§7.4.2 0–999 unused, 1016–2999 reserved, ≥ 5000 out of range', () => {
    for (const code of [0, 1, 999, 1016, 1100, 2000, 2999, 5000, 65535]) {
      assert.equal(isValidCloseCode(code), false, String(code));
    }
  });

  test('§7.4.2 3000–3999 (registered) and 4000–4999 (private) are valid', () => {
    for (const code of [3000, 3500, 3999, 4000, 4500, 4999]) {
      assert.equal(isValidCloseCode(code), true, String(code));
    }
  });

  test('§7.4 a close code is an integer: 1000.5, NaN and Infinity are invalid', () => {
    // Regression: 1000.5 passed the range checks.
    for (const code of [1000.5, 3999.9, Number.NaN, Number.POSITIVE_INFINITY, -1000]) {
      assert.equal(isValidCloseCode(code), false, String(code));
    }
  });

  test('§7.4 every 16-bit code agrees with the ranges of the RFC and the registry', () => {
    for (let code = 0; code <= 0xffff; code++) {
      const expected =
        (code >= 1000 && code <= 1003) ||
        (code >= 1007 && code <= 1014) ||
        (code >= 3000 && code <= 4999);
      if (isValidCloseCode(code) !== expected) assert.fail(`code ${code}`);
    }
    assert.equal(CloseCode.NO_STATUS, 1005);
    assert.equal(CloseCode.ABNORMAL, 1006);
    assert.equal(CloseCode.MESSAGE_TOO_BIG, 1009);
  });
});
