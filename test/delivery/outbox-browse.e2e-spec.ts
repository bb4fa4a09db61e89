import request from 'supertest';
import { startTestApp, TestApp } from '../helpers/test-app';
import { postJson } from '../readers/reader-steps';

/** Without SMTP_URL, editors browse what would have been sent: here, a real confirmation email. */
describe('Browsing the outbox', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(); // no SMTP_URL: mail goes to the outbox
  });
  afterAll(async () => {
    await t?.close();
  });

  async function listOutbox() {
    const res = await request(t.baseUrl).get('/admin/outbox').set('Authorization', t.editorAuth).expect(200);
    return res.body as { inUse: boolean; messages: { name: string; subject: string; to: string; size: number }[] };
  }

  it('lists a confirmation email with its Arabic subject and shows it as the reader would see it', async () => {
    expect(await listOutbox()).toEqual({ inUse: true, messages: [] });
    await postJson(t, { email: 'outbox-reader@example.org', frequency: 'weekly' }).expect(200);

    // The confirmation is sent after the answer; wait for it to land.
    let listing = await listOutbox();
    for (let i = 0; i < 50 && listing.messages.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      listing = await listOutbox();
    }
    expect(listing.messages).toHaveLength(1);
    const [entry] = listing.messages;
    expect(entry.to).toContain('outbox-reader@example.org');
    expect(entry.subject).toMatch(/[\u0600-\u06FF]{3,}/);
    expect(entry.size).toBeGreaterThan(1000);

    const html = await request(t.baseUrl)
      .get(`/admin/outbox/${entry.name}`)
      .set('Authorization', t.editorAuth)
      .expect(200);
    expect(html.headers['content-type']).toMatch(/text\/html/);
    expect(html.text).toMatch(/<html[^>]*dir="rtl"/);
    expect(html.text).toContain('/subscriptions/confirm?token=');

    const eml = await request(t.baseUrl)
      .get(`/admin/outbox/${entry.name}?format=eml`)
      .set('Authorization', t.editorAuth)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(eml.headers['content-type']).toMatch(/message\/rfc822/);
    expect((eml.body as Buffer).length).toBe(entry.size);
  });

  it('refuses names outside the outbox, unknown messages and requests without the editor token', async () => {
    await request(t.baseUrl).get('/admin/outbox/..%2F..%2Fsecret-key').set('Authorization', t.editorAuth).expect(404);
    await request(t.baseUrl).get('/admin/outbox/nope.eml').set('Authorization', t.editorAuth).expect(404);
    await request(t.baseUrl).get('/admin/outbox?limit=0').set('Authorization', t.editorAuth).expect(400);
    await request(t.baseUrl).get('/admin/outbox').expect(401);
  });
});
