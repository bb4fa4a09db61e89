import request from 'supertest';
import { startTestApp, TestApp } from '../helpers/test-app';

/** Every admin route of every module is documented in Swagger and closed without the editor token. */
describe('The admin API', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is documented at /admin/docs, and every documented /admin route answers 401 without the token', async () => {
    const page = await request(t.baseUrl)
      .get('/admin/docs')
      .set('Authorization', t.editorAuth)
      .redirects(1)
      .expect(200);
    expect(page.text).toContain('swagger');
    const doc = (await request(t.baseUrl).get('/admin/docs-json').set('Authorization', t.editorAuth).expect(200))
      .body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const routes = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/admin/'))
      .flatMap(([path, methods]) =>
        Object.keys(methods).map((method) => ({ method, path: path.replace(/\{[^}]+\}/g, '1') })),
      );
    // Each capability has its admin routes: subscribers, articles, feeds, digests, outbox.
    for (const area of ['subscribers', 'articles', 'feeds', 'digests', 'outbox']) {
      expect(routes.some((r) => r.path.startsWith(`/admin/${area}`))).toBe(true);
    }
    const client = request(t.baseUrl) as unknown as Record<string, (p: string) => request.Test>;
    for (const { method, path } of routes) {
      const none = await client[method](path);
      expect([method, path, none.status]).toEqual([method, path, 401]);
      const wrong = await client[method](path).set('Authorization', 'Bearer wrong-token-0123456789');
      expect([method, path, wrong.status]).toEqual([method, path, 401]);
    }
  });
});
