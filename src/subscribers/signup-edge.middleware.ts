import { Injectable, NestMiddleware, PayloadTooLargeException } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AppConfig } from '../config/app-config';

/** A signup is a few hundred bytes; the app-wide JSON limit is sized for editors' batches. */
export const SIGNUP_BODY_LIMIT_BYTES = 8 * 1024;

/**
 * The edge of POST /subscriptions: CORS for the configured site origins only (so nashra.js on an article
 * page can post and read the answer, and no other site can), and a small body limit.
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
    if (Number(req.headers['content-length'] ?? 0) > SIGNUP_BODY_LIMIT_BYTES) {
      throw new PayloadTooLargeException();
    }
    next();
  }
}
