import { SealedSecret } from './sealed-secret';

describe('SealedSecret', () => {
  const key = 'a-secret-key-of-at-least-32-characters-0123';

  it('opens what it sealed, and a fresh nonce makes every seal different', () => {
    const sealed = new SealedSecret(key, 'totp');
    const a = sealed.seal('JBSWY3DPEHPK3PXP');
    const b = sealed.seal('JBSWY3DPEHPK3PXP');
    expect(a).not.toBe(b);
    expect(a).not.toContain('JBSWY3DPEHPK3PXP');
    expect(sealed.open(a)).toBe('JBSWY3DPEHPK3PXP');
  });

  it('refuses a seal made under another key or purpose, or altered', () => {
    const sealed = new SealedSecret(key, 'totp').seal('JBSWY3DPEHPK3PXP');
    expect(() => new SealedSecret(`${key}x`, 'totp').open(sealed)).toThrow();
    expect(() => new SealedSecret(key, 'other').open(sealed)).toThrow();
    const altered = Buffer.from(sealed, 'base64url');
    altered[altered.length - 1] ^= 1;
    expect(() => new SealedSecret(key, 'totp').open(altered.toString('base64url'))).toThrow();
  });
});
