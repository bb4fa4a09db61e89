import { isBigintId } from './bigint-id';
import { jsonDepth } from './json-depth';
import { hasControlChars } from './no-control-chars';

describe('input limits', () => {
  it('accepts exactly the bigint ids 1 … 9223372036854775807 in their plain decimal form', () => {
    for (const ok of ['1', '42', '9223372036854775807']) {
      expect(isBigintId(ok)).toBe(true);
    }
    for (const bad of ['0', '-1', '01', '1.0', ' 1', '1e3', '9223372036854775808', '99999999999999999999', '', 1]) {
      expect(isBigintId(bad)).toBe(false);
    }
  });

  it('measures JSON nesting on the raw bytes, ignoring brackets inside strings and escaped quotes', () => {
    expect(jsonDepth(Buffer.from('{"a":[1,{"b":[]}]}'))).toBe(4);
    expect(jsonDepth(Buffer.from('{"a":"[[[[\\"[[["}'))).toBe(1);
    expect(jsonDepth(Buffer.from('[]'.repeat(1000)))).toBe(1);
    expect(jsonDepth(Buffer.from('['.repeat(100_000)), 32)).toBe(33);
  });

  it('refuses C0 controls and DEL; multi-line text may keep tab, CR and LF', () => {
    expect(hasControlChars('a\u0000b')).toBe(true);
    expect(hasControlChars('a\tb')).toBe(true);
    expect(hasControlChars('a\u007fb')).toBe(true);
    expect(hasControlChars('عربي \u202e')).toBe(false);
    expect(hasControlChars('a\tb\r\nc', true)).toBe(false);
    expect(hasControlChars('a\u0000b', true)).toBe(true);
  });
});
