import { ForbiddenException, Injectable, NestMiddleware, PayloadTooLargeException } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AppConfig } from '../config/app-config';

/** A signup is a few hundred bytes; the app-wide JSON limit is sized for editors' batches. */
export const SIGNUP_BODY_LIMIT_BYTES = 8 * 1024;

/**
 * The edge of POST /subscriptions: CORS for the configured site origins only (so nashra.js on an article
 * page can post and read the answer, and no other site can), a refusal (403) of posts a browser made from
 * any other site, and a small body limit.
 */
@Injectable()
export class SignupEdgeMiddleware implements NestMiddleware {
  constructor(private readonly config: AppConfig) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const origin = req.headers.origin;
    res.vary('Origin');
    if (origin && this.config.siteOrigins.includes(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      if (req.method === 'OPTIONS') {
        res.setHeader('Access-Control-Allow-Methods', 'POST');
        res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Accept');
        res.setHeader('Access-Control-Max-Age', '600');
      }
    }
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    if (req.method === 'POST' && !this.originAllowed(req)) {
      // Nothing is stored or mailed: a page elsewhere cannot sign its visitors (or anyone) up.
      throw new ForbiddenException('readers.errors.origin');
    }
    if (Number(req.headers['content-length'] ?? 0) > SIGNUP_BODY_LIMIT_BYTES) {
      throw new PayloadTooLargeException();
    }
    next();
  }

  /**
   * A browser names the page's origin in `Origin` on every POST. Allowed: no Origin (not a browser, or a
   * very old one), a SITE_ORIGINS origin, nashra's own origin (its thank-you and error pages carry the
   * form), and `null` when the browser itself vouches the post is same-origin (Sec-Fetch-Site).
   */
  private originAllowed(req: Request): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) {
      return true;
    }
    if (this.config.siteOrigins.includes(origin) || origin === new URL(this.config.publicBaseUrl).origin) {
      return true;
    }
    // A browser always sends the Host it connects to, so Origin equal to it means same-origin.
    if (origin === `${req.protocol}://${req.headers.host}`) {
      return true;
    }
    return origin === 'null' && req.headers['sec-fetch-site'] === 'same-origin';
  }
}
