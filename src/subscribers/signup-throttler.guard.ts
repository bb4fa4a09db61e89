import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Request } from 'express';

/**
 * Per-IP signup limit (SIGNUP_RATE_LIMIT_PER_MINUTE). Tracks `req.ip`, which honours only the trusted
 * proxies configured in app.setup, rather than the first X-Forwarded-For entry, which any client can forge.
 */
@Injectable()
export class SignupThrottlerGuard extends ThrottlerGuard {
  protected getTracker(req: Record<string, any>): Promise<string> {
    return Promise.resolve((req as Request).ip ?? 'unknown');
  }
}
