import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Secret } from 'otpauth';
import { DataSource } from 'typeorm';
import { hmac } from '../common/secure-token';
import { AppConfig } from '../config/app-config';

export const RECOVERY_CODE_COUNT = 10;

/**
 * Ten one-time codes for when the phone or security key is lost. Each is 80 random bits (16 base32
 * characters, shown as four groups of four), so a slow salted hash (argon2) buys nothing: it exists to slow
 * guessing of low-entropy passwords, and 2^80 cannot be walked. Instead each code is stored as HMAC-SHA-256
 * keyed by SECRET_KEY, which makes the hash a lookup key: spending a code is one atomic
 * `UPDATE … WHERE code_hash = $2 AND used_at IS NULL`, where argon2 would need ten verifications per try.
 */
@Injectable()
export class RecoveryCodes {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  /** Replaces the editor's codes with ten fresh ones and returns them (shown once, never stored in clear). */
  async issue(editorId: string): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () =>
      (new Secret({ buffer: new Uint8Array(randomBytes(10)).buffer }).base32.toLowerCase().match(/.{4}/g) ?? []).join(
        '-',
      ),
    );
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`DELETE FROM editor_recovery_codes WHERE editor_id = $1`, [editorId]);
      await manager.query(`INSERT INTO editor_recovery_codes (editor_id, code_hash) SELECT $1, unnest($2::text[])`, [
        editorId,
        codes.map((code) => this.hash(code)),
      ]);
    });
    return codes;
  }

  /** Spends a code: true the first time, false for a used, unknown or malformed one. */
  async use(editorId: string, code: string): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `UPDATE editor_recovery_codes SET used_at = now()
       WHERE editor_id = $1 AND code_hash = $2 AND used_at IS NULL RETURNING 1`,
      [editorId, this.hash(code)],
    )) as [unknown[], number];
    return rows[1] === 1;
  }

  async remaining(editorId: string): Promise<number> {
    const [row] = (await this.dataSource.query(
      `SELECT count(*)::int AS n FROM editor_recovery_codes WHERE editor_id = $1 AND used_at IS NULL`,
      [editorId],
    )) as { n: number }[];
    return row.n;
  }

  async revoke(editorId: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM editor_recovery_codes WHERE editor_id = $1`, [editorId]);
  }

  /** Looks like a recovery code (16 base32 characters once dashes and spaces are dropped). */
  static looksLikeOne(input: string): boolean {
    return /^[a-z2-7]{16}$/.test(normalise(input));
  }

  private hash(code: string): string {
    return hmac(this.config.secretKey, `nashra recovery code:${normalise(code)}`).toString('hex');
  }
}

function normalise(code: string): string {
  return code.slice(0, 64).toLowerCase().replace(/[\s-]/g, '');
}
