import { Injectable } from '@nestjs/common';
import { Secret, TOTP } from 'otpauth';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { SealedSecret } from './sealed-secret';

export const TOTP_PERIOD_SECONDS = 30;

/** An authenticator app's secret while it is being set up: the otpauth:// URI for the QR code and the key. */
export interface TotpEnrolment {
  uri: string;
  /** The secret in base32, for typing into an app that cannot scan. */
  secret: string;
}

/**
 * Time-based one-time codes (RFC 6238: SHA-1, 6 digits, 30-second steps, what every authenticator app
 * speaks). Table `editor_totp`: the sealed secret, `enabled_at` once the editor proved the app works, and
 * `last_step`: the step of the last accepted code, so a code is refused once used (RFC 6238 §5.2) even
 * inside its own step. A code of the step before or after is accepted for clock drift.
 */
@Injectable()
export class TotpFactor {
  private readonly sealed: SealedSecret;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {
    this.sealed = new SealedSecret(config.secretKey, 'totp');
  }

  async isEnabled(editorId: string): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `SELECT 1 FROM editor_totp WHERE editor_id = $1 AND enabled_at IS NOT NULL`,
      [editorId],
    )) as unknown[];
    return rows.length > 0;
  }

  /** The secret awaiting confirmation (made now, or the one already shown), or undefined when TOTP is on. */
  async enrolment(editor: { id: string; email: string }): Promise<TotpEnrolment | undefined> {
    const rows = (await this.dataSource.query(
      `INSERT INTO editor_totp (editor_id, secret) VALUES ($1, $2)
       ON CONFLICT (editor_id) DO UPDATE SET editor_id = excluded.editor_id
       RETURNING secret, enabled_at AS "enabledAt"`,
      [editor.id, this.sealed.seal(new Secret({ size: 20 }).base32)],
    )) as { secret: string; enabledAt: Date | null }[];
    if (rows[0].enabledAt) {
      return undefined;
    }
    const totp = this.totp(this.sealed.open(rows[0].secret), editor.email);
    return { uri: totp.toString(), secret: totp.secret.base32 };
  }

  /** Turns TOTP on when the code matches the pending secret; false otherwise. */
  async confirm(editorId: string, code: string): Promise<boolean> {
    const step = await this.acceptedStep(editorId, code, false);
    if (step === undefined) {
      return false;
    }
    const rows = (await this.dataSource.query(
      `UPDATE editor_totp SET enabled_at = now(), last_step = $2
       WHERE editor_id = $1 AND enabled_at IS NULL RETURNING 1`,
      [editorId, step],
    )) as [unknown[], number];
    return rows[1] === 1;
  }

  /**
   * Checks a code against the enabled secret and spends its step: true once per step, so a code seen over a
   * shoulder or replayed is refused even within its 30 seconds.
   */
  async verify(editorId: string, code: string): Promise<boolean> {
    const step = await this.acceptedStep(editorId, code, true);
    if (step === undefined) {
      return false;
    }
    const rows = (await this.dataSource.query(
      `UPDATE editor_totp SET last_step = $2
       WHERE editor_id = $1 AND enabled_at IS NOT NULL AND (last_step IS NULL OR last_step < $2) RETURNING 1`,
      [editorId, step],
    )) as [unknown[], number];
    return rows[1] === 1;
  }

  async disable(editorId: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM editor_totp WHERE editor_id = $1`, [editorId]);
  }

  private async acceptedStep(editorId: string, code: string, enabled: boolean): Promise<number | undefined> {
    const token = code.replace(/\s/g, '');
    if (!/^\d{6}$/.test(token)) {
      return undefined;
    }
    const rows = (await this.dataSource.query(
      `SELECT secret FROM editor_totp WHERE editor_id = $1 AND (enabled_at IS NOT NULL) = $2`,
      [editorId, enabled],
    )) as { secret: string }[];
    if (!rows[0]) {
      return undefined;
    }
    const now = Date.now();
    const delta = this.totp(this.sealed.open(rows[0].secret), '').validate({ token, timestamp: now, window: 1 });
    return delta === null ? undefined : Math.floor(now / 1000 / TOTP_PERIOD_SECONDS) + delta;
  }

  private totp(base32: string, label: string): TOTP {
    return new TOTP({
      issuer: `${this.config.publication.name} nashra`,
      label,
      algorithm: 'SHA1',
      digits: 6,
      period: TOTP_PERIOD_SECONDS,
      secret: Secret.fromBase32(base32),
    });
  }
}
