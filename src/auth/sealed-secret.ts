import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { hmac } from '../common/secure-token';

/**
 * AES-256-GCM under a key derived from SECRET_KEY and a purpose, for secrets the server must read back (an
 * authenticator app's TOTP secret): a copy of the database alone cannot mint codes.
 */
export class SealedSecret {
  private readonly key: Buffer;

  constructor(secretKey: string, purpose: string) {
    this.key = hmac(secretKey, `nashra sealed ${purpose}`);
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  open(sealed: string): string {
    const raw = Buffer.from(sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}
