import type { RequestHandler } from 'express';

/**
 * Makes every redirect under /admin wait until a changed session is stored. express-session saves a changed
 * session while it ends the response, but writes the status line and headers first: a browser follows a 303's
 * Location at once and can load the next page before the flash message ("the role is saved") is stored, so the
 * editor never sees it. This wraps `res.redirect` so the session is saved first; an unchanged session costs
 * nothing, and express-session then sees the session saved and does not write it twice.
 */
export function saveSessionBeforeRedirect(): RequestHandler {
  return (req, res, next) => {
    const redirect = res.redirect.bind(res) as (...args: unknown[]) => void;
    const initial = req.session ? JSON.stringify(req.session) : undefined;
    res.redirect = ((...args: unknown[]) => {
      const current = req.session;
      if (!current || JSON.stringify(current) === initial) {
        return redirect(...args);
      }
      current.save((err) => (err ? next(err) : redirect(...args)));
    }) as typeof res.redirect;
    next();
  };
}
