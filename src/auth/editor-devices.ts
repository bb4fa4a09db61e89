import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DataSource } from 'typeorm';
import { hmac, safeEqual } from '../common/secure-token';
import { AppConfig } from '../config/app-config';

export const DEVICE_COOKIE = 'nashra.device';
// Chromium caps cookie lifetimes at 400 days.
const DEVICE_MAX_AGE_MS = 400 * 24 * 3600_000;

/**
 * The browsers each editor signs in from (table `editor_devices`). A browser is known by a long-lived cookie
 * holding a random id and its HMAC under SECRET_KEY (a forged or altered one counts as no cookie). A sign-in
 * from a browser the editor has not used before is what the sign-in flow audits and emails.
 */
@Injectable()
export class EditorDevices {
  private readonly key: string;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {
    this.key = hmac(config.secretKey, 'nashra editor device').toString('base64url');
  }

  /**
   * Records this sign-in's browser for the editor (setting the cookie when it has none) and says whether it is
   * new to them, and whether they had signed in from any other browser before.
   */
  async signedInFrom(
    editorId: string,
    req: Request,
    res: Response,
  ): Promise<{ isNew: boolean; hadOthers: boolean; deviceId: string }> {
    const deviceId = this.readCookie(req) ?? randomBytes(16).toString('base64url');
    res.cookie(DEVICE_COOKIE, `${deviceId}.${this.sign(deviceId)}`, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.config.publicBaseUrl.startsWith('https:'),
      path: '/admin',
      maxAge: DEVICE_MAX_AGE_MS,
    });
    const userAgent = (req.headers['user-agent'] ?? '').slice(0, 300);
    const [row] = (await this.dataSource.query(
      `WITH known AS (SELECT count(*)::int AS n FROM editor_devices WHERE editor_id = $1 AND device_id <> $2),
            upserted AS (
              INSERT INTO editor_devices (editor_id, device_id, user_agent) VALUES ($1, $2, $3)
              ON CONFLICT (editor_id, device_id) DO UPDATE SET last_seen_at = now(), user_agent = excluded.user_agent
              RETURNING (xmax = 0) AS inserted)
       SELECT upserted.inserted AS "isNew", known.n > 0 AS "hadOthers" FROM upserted, known`,
      [editorId, deviceId, userAgent],
    )) as { isNew: boolean; hadOthers: boolean }[];
    return { ...row, deviceId };
  }

  private readCookie(req: Request): string | undefined {
    const value = (req.cookies as Record<string, unknown> | undefined)?.[DEVICE_COOKIE];
    if (typeof value !== 'string') {
      return undefined;
    }
    const [id, signature] = value.split('.');
    return id && signature && /^[\w-]{22}$/.test(id) && safeEqual(signature, this.sign(id)) ? id : undefined;
  }

  private sign(id: string): string {
    return hmac(this.key, id).toString('base64url');
  }
}
