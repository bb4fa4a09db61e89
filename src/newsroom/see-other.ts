import type { Request, Response } from 'express';

/**
 * Redirects (303) after saving the session. express-session saves a changed session while it ends the
 * response, but sends the status and headers first: a browser follows the Location at once and can load the
 * next page before the flash message set here is stored, so the message would be lost.
 */
export async function seeOther(req: Request, res: Response, url: string): Promise<void> {
  if (req.session) {
    await new Promise<void>((resolve, reject) => req.session.save((err) => (err ? reject(err as Error) : resolve())));
  }
  res.redirect(303, url);
}
