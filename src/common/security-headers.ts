import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet, { contentSecurityPolicy } from 'helmet';

/** Reader-facing paths: forms, links from emails, the public copy of a digest. */
const EMBED = /^\/embed(\/|$)/;
const READER_PAGES = /^\/(subscriptions|digests)(\/|$)/;
// The answers to the iframed form's post (`?embed=1`, subscribers/reader-pages.ts): the signup's own answer (an
// error with the form again) and the thank-you page, framed like the form so a reader without JavaScript sees them.
const EMBEDDED_ANSWERS = /^\/subscriptions(\/thanks)?\/?$/;

/**
 * Security headers (helmet) on every reader-facing response, pages and errors alike:
 * - `/embed/*`, and the answers to the iframed form's post (`/subscriptions?embed=1`, its thank-you page), may be
 *   framed only by nashra itself and the SITE_ORIGINS (CSP `frame-ancestors`; no
 *   X-Frame-Options, which cannot name several origins) and loaded cross-origin (the script, the iframe);
 * - every other reader page (confirm, thanks, unsubscribe, preferences, public digests) may be framed by
 *   nobody: `frame-ancestors 'none'` and `X-Frame-Options: DENY` against clickjacking of their buttons;
 * - nosniff everywhere, and `Referrer-Policy: same-origin`: tokens in page URLs never leave for another
 *   site, while a same-origin form post still carries a real `Origin` (with `no-referrer` browsers send
 *   `Origin: null`, which the signup's origin check cannot tell from a foreign sandboxed frame).
 * HSTS is left to the TLS-terminating proxy: it is a decision about the whole domain.
 * The CSP only adds what cannot break the pages' own markup (no default-src).
 */
// No default-src yet: the pages' styles and scripts are being redesigned in parallel; framing, base and
// plugins are what this policy is for.

export function readerSecurityHeaders(siteOrigins: string[]): RequestHandler {
  const common = {
    strictTransportSecurity: false,
    referrerPolicy: { policy: 'same-origin' as const },
  };
  const embed = helmet({
    ...common,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: contentSecurityPolicy.dangerouslyDisableDefaultSrc,
        frameAncestors: ["'self'", ...siteOrigins],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
    xFrameOptions: false,
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  });
  const pages = helmet({
    ...common,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: contentSecurityPolicy.dangerouslyDisableDefaultSrc,
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
    xFrameOptions: { action: 'deny' },
  });
  return (req: Request, res: Response, next: NextFunction) => {
    if (EMBED.test(req.path) || (EMBEDDED_ANSWERS.test(req.path) && req.query?.embed === '1')) {
      return embed(req, res, next);
    }
    if (READER_PAGES.test(req.path)) {
      return pages(req, res, next);
    }
    next();
  };
}
