import { RecoveryCodes } from './recovery-codes';

describe('RecoveryCodes.looksLikeOne', () => {
  it('takes the shown form, any case, with or without dashes and spaces', () => {
    expect(RecoveryCodes.looksLikeOne('abcd-efgh-ijkl-mnop')).toBe(true);
    expect(RecoveryCodes.looksLikeOne(' ABCD EFGH IJKL MNOP ')).toBe(true);
    expect(RecoveryCodes.looksLikeOne('abcdefghijklmnop')).toBe(true);
  });

  it('does not take a six-digit code, a short or a long string', () => {
    expect(RecoveryCodes.looksLikeOne('123456')).toBe(false);
    expect(RecoveryCodes.looksLikeOne('abcd-efgh-ijkl')).toBe(false);
    expect(RecoveryCodes.looksLikeOne('a'.repeat(200))).toBe(false);
  });
});
