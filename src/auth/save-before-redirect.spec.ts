import express from 'express';
import session from 'express-session';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { saveSessionBeforeRedirect } from './save-before-redirect';

/** A session store whose writes take a while, as PostgreSQL's can on a busy machine. */
class SlowStore extends session.MemoryStore {
  writes: number[] = [];
  set(sid: string, data: session.SessionData, callback?: (err?: unknown) => void): void {
    setTimeout(() => {
      super.set(sid, data, (err?: unknown) => {
        this.writes.push(Date.now());
        callback?.(err);
      });
    }, 150);
  }
}

async function serve(withFix: boolean) {
  const store = new SlowStore();
  const app = express();
  app.use(session({ secret: 'test', store, resave: false, saveUninitialized: false }));
  if (withFix) {
    app.use(saveSessionBeforeRedirect());
  }
  app.post('/role', (req, res) => {
    (req.session as unknown as { flash: string[] }).flash = ['صار دور رانيا: محرر'];
    res.redirect(303, '/editors');
  });
  app.get('/plain', (_req, res) => res.redirect(303, '/editors'));
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { store, server, port: (server.address() as AddressInfo).port };
}

/** When the client saw the redirect's status line (the moment a browser follows the Location). */
function redirectSeenAt(port: number, method: string, path: string): Promise<{ at: number; status: number }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path }, (res) => {
      const at = Date.now();
      res.resume();
      res.on('end', () => resolve({ at, status: res.statusCode ?? 0 }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('saveSessionBeforeRedirect', () => {
  it('stores the flash message before the browser can follow the redirect', async () => {
    const { store, server, port } = await serve(true);
    try {
      const seen = await redirectSeenAt(port, 'POST', '/role');
      expect(seen.status).toBe(303);
      expect(store.writes).toHaveLength(1);
      expect(store.writes[0]).toBeLessThanOrEqual(seen.at);
    } finally {
      server.close();
    }
  });

  it('without it, express-session sends the redirect before the session is stored (the race it closes)', async () => {
    const { store, server, port } = await serve(false);
    try {
      const seen = await redirectSeenAt(port, 'POST', '/role');
      expect(seen.status).toBe(303);
      expect(store.writes.length === 0 || store.writes[0] > seen.at).toBe(true);
    } finally {
      server.close();
    }
  });

  it('writes nothing for a redirect that changed no session', async () => {
    const { store, server, port } = await serve(true);
    try {
      expect((await redirectSeenAt(port, 'GET', '/plain')).status).toBe(303);
      expect(store.writes).toHaveLength(0);
    } finally {
      server.close();
    }
  });
});
