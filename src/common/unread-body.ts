import type { NextFunction, Request, Response } from 'express';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * After the body parsers: a write whose body none of them read (text/plain, XML, anything but JSON, a form or
 * multipart, which the upload routes read themselves) is refused with 415 and `message`, so no handler meets an
 * undefined body; a write without a body gets an empty one (`{}`), so its validation or form answers 400 as
 * for any missing field. Before this, `POST /admin/account/password` with text/plain answered 500.
 */
export function unreadBodyDefaults(message: string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!WRITES.has(req.method) || req.body !== undefined) {
      next();
      return;
    }
    const type = req.headers['content-type'] ?? '';
    if (/^multipart\/form-data/i.test(type)) {
      next();
      return;
    }
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (hasBody) {
      // Leave the unread bytes to be drained by the server; answer before any route runs.
      res.status(415).json({ statusCode: 415, message, error: 'Unsupported Media Type' });
      return;
    }
    req.body = {};
    next();
  };
}
