import request from 'supertest';
import { insertArticle } from '../factories/articles';
import { insertReaders } from '../factories/readers';
import { appWithSmtpSink } from '../helpers/app-with-sink';
import { createEditor, EditorCredentials, signIn } from '../helpers/editor-session';
import { waitFor } from '../helpers/wait-for';

const editor = (role: string): EditorCredentials & { role: string } => ({
  email: `${role}@nashra.test`,
  password: `a-long-password-of-${role}`,
  name: role,
  role,
});
const OWNER = editor('owner');
const CHIEF = editor('chief');
const EDITOR = editor('editor');
const WRITER = editor('writer');
const ANALYST = editor('analyst');
const ROLE_REFUSAL = 'لا يسمح دورك';

/**
 * Issue 22's roles, end to end on real PostgreSQL and a real SMTP sink: what a writer, an analyst and a chief can
 * and cannot do, owners changing roles and granting alerts, and the step-up before a send to more than
 * SEND_CONFIRM_THRESHOLD readers.
 */
describe('Newsroom roles', () => {
  // Three readers and a threshold of two: a send now or an alert to them is "loud" and asks for the step-up.
  const s = appWithSmtpSink({ env: { SEND_CONFIRM_THRESHOLD: '2' } });
  let readers: { id: string; email: string }[];
  let articleIds: string[];

  const agentFor = async (who: EditorCredentials) => {
    const agent = request.agent(s.t.baseUrl);
    const { csrfToken } = await signIn(agent, { baseUrl: s.t.baseUrl, ...who });
    return { agent, csrfToken };
  };
  const counts = async () =>
    (
      (await s.t.dataSource.query(
        `SELECT (SELECT count(*)::int FROM editions) AS editions, (SELECT count(*)::int FROM deliveries) AS deliveries`,
      )) as { editions: number; deliveries: number }[]
    )[0];

  beforeAll(async () => {
    for (const who of [OWNER, CHIEF, EDITOR, WRITER, ANALYST]) {
      await createEditor(s.t.dataSource, who);
    }
    readers = await insertReaders(s.t.dataSource, { count: 3, prefix: 'qari' });
    articleIds = [];
    for (const title of ['خبر أول عن الانتخابات', 'خبر ثانٍ عن الاقتصاد', 'خبر ثالث عن الطقس']) {
      articleIds.push((await insertArticle(s.t.dataSource, { title })).id);
    }
  });

  it('a writer arranges the next edition and sends a test to themselves, but cannot send, alert or export', async () => {
    const { agent, csrfToken } = await agentFor(WRITER);
    const page = await agent.get('/admin/next').expect(200);
    expect(page.text).toContain('خبر أول عن الانتخابات');
    // The buttons the role cannot use are not there.
    expect(page.text).not.toContain('action="/admin/next/confirm"');
    expect(page.text).not.toContain('action="/admin/next/schedule"');
    expect(page.text).not.toContain('href="/admin/breaking"');

    await agent
      .post(`/admin/next/articles/${articleIds[2]}/drop`)
      .type('form')
      .send({ _csrf: csrfToken, frequency: 'daily' })
      .expect(303);
    expect((await agent.get('/admin/next/preview.html').expect(200)).text).not.toContain('خبر ثالث عن الطقس');

    await agent.post('/admin/next/test').type('form').send({ _csrf: csrfToken, frequency: 'daily' }).expect(303);
    await waitFor(
      async () => s.sink.to(WRITER.email).length,
      (n) => n === 1,
      15_000,
      'the test email',
    );
    expect(s.sink.messages.every((m) => m.to.every((to) => to === WRITER.email))).toBe(true);

    const before = await counts();
    const send = await agent
      .post('/admin/next/send')
      .set('Accept', 'text/html')
      .type('form')
      .send({ _csrf: csrfToken, frequency: 'daily' });
    expect(send.status).toBe(403);
    expect(send.text).toContain(ROLE_REFUSAL);
    const alert = await agent
      .post('/admin/breaking')
      .set('Accept', 'application/json')
      .set('X-CSRF-Token', csrfToken)
      .type('form')
      .send({ articleId: articleIds[0] });
    expect(alert.status).toBe(403);
    expect((alert.body as { message: string }).message).toContain(ROLE_REFUSAL);
    const exported = await agent.get(`/admin/readers/${readers[0].id}/export.json`);
    expect(exported.status).toBe(403);
    expect(exported.text).not.toContain(readers[0].email);
    expect(await counts()).toEqual(before);
    const audit = (await s.t.dataSource.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'reader.export'`,
    )) as {
      n: number;
    }[];
    expect(audit[0].n).toBe(0);
  });

  it("an analyst's readers screen shows counts and no address", async () => {
    const { agent } = await agentFor(ANALYST);
    const page = await agent.get('/admin/readers').expect(200);
    expect(page.text).toContain('<strong>3</strong> قارئاً يطابقون البحث');
    for (const r of readers) {
      expect(page.text).not.toContain(r.email);
    }
    // Searching by address is ignored too: its count would tell whether one person is a reader.
    const search = await agent.get(`/admin/readers?q=${encodeURIComponent(readers[0].email)}`).expect(200);
    expect(search.text).toContain('<strong>3</strong> قارئاً يطابقون البحث');
    expect(page.text).not.toContain('export.csv');
    await agent.get(`/admin/readers/${readers[0].id}`).expect(403);
    expect((await agent.get('/admin').expect(200)).text).not.toContain('href="/admin/next"');
  });

  it("a chief's send now to more readers than the threshold asks for the password again, then goes out", async () => {
    const { agent, csrfToken } = await agentFor(CHIEF);
    // The confirmation page already asks, before the button.
    const confirm = await agent.get('/admin/next/confirm?frequency=daily').expect(303);
    expect(confirm.headers.location).toBe(
      `/admin/step-up?next=${encodeURIComponent('/admin/next/confirm?frequency=daily')}`,
    );
    // Posting straight to send changes nothing either.
    const before = await counts();
    const early = await agent.post('/admin/next/send').type('form').send({ _csrf: csrfToken, frequency: 'daily' });
    expect(early.status).toBe(303);
    expect(early.headers.location).toMatch(/^\/admin\/step-up\?next=/);
    expect(await counts()).toEqual(before);

    const form = await agent.get(confirm.headers.location as string).expect(200);
    expect(form.text).toContain('كلمة المرور');
    const wrong = await agent
      .post('/admin/step-up')
      .type('form')
      .send({ _csrf: csrfToken, password: 'not-the-password', next: '/admin/next/confirm?frequency=daily' });
    expect(wrong.status).toBe(400);
    const right = await agent
      .post('/admin/step-up')
      .type('form')
      .send({ _csrf: csrfToken, password: CHIEF.password, next: '/admin/next/confirm?frequency=daily' })
      .expect(303);
    expect(right.headers.location).toBe('/admin/next/confirm?frequency=daily');
    await agent.get('/admin/next/confirm?frequency=daily').expect(200);

    const sent = await agent
      .post('/admin/next/send')
      .type('form')
      .send({ _csrf: csrfToken, frequency: 'daily' })
      .expect(303);
    expect(sent.headers.location).toMatch(/^\/admin\/editions\/\d+$/);
    await waitFor(
      async () => readers.filter((r) => s.sink.to(r.email).length === 1).length,
      (n) => n === readers.length,
      20_000,
      'the edition to reach every reader',
    );

    const audit = (await s.t.dataSource.query(
      `SELECT action, detail FROM audit_log WHERE editor_id = (SELECT id FROM editors WHERE email = $1) ORDER BY at, id`,
      [CHIEF.email],
    )) as { action: string; detail: Record<string, unknown> | null }[];
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(['editor.step-up-failed', 'editor.step-up', 'edition.send']),
    );
    const send = audit.find((a) => a.action === 'edition.send')!;
    expect(send.detail).toMatchObject({ audience: 3, secondStepAt: expect.any(String) });
  });

  it('asks again once the last step-up is older than ten minutes', async () => {
    const { agent, csrfToken } = await agentFor(CHIEF);
    await agent
      .post('/admin/step-up')
      .type('form')
      .send({ _csrf: csrfToken, password: CHIEF.password, next: '/admin' })
      .expect(303);
    await agent.get(`/admin/breaking/confirm?articleId=${articleIds[1]}`).expect(200);
    // Eleven minutes pass for this session's second step.
    await s.t.dataSource.query(
      `UPDATE editor_sessions SET sess = jsonb_set(sess::jsonb, '{secondStepAt}', to_jsonb($1::bigint))::json
       WHERE sess->>'editorId' = (SELECT id::text FROM editors WHERE email = $2)`,
      [Date.now() - 11 * 60_000, CHIEF.email],
    );
    const again = await agent.get(`/admin/breaking/confirm?articleId=${articleIds[1]}`).expect(303);
    expect(again.headers.location).toMatch(/^\/admin\/step-up\?next=/);
    const before = await counts();
    await agent
      .post('/admin/breaking')
      .type('form')
      .send({ _csrf: csrfToken, articleId: articleIds[1] })
      .expect(303)
      .expect('Location', /^\/admin\/step-up/);
    expect(await counts()).toEqual(before);
  });

  it("weighs the chosen alerts newsletter's readers: an alert to a list under the threshold needs no step-up", async () => {
    await request(s.t.baseUrl)
      .post('/admin/newsletters')
      .set('Authorization', s.t.editorAuth)
      .send({ slug: 'quiet-alerts', name: 'عاجل بلا قرّاء', kind: 'alerts' })
      .expect(201);
    const article = await insertArticle(s.t.dataSource, { title: 'خبر عاجل لقائمة صغيرة' });
    const { agent, csrfToken } = await agentFor(CHIEF);
    // Signed in by password only, no step-up yet: `breaking` (three readers) would ask; `quiet-alerts` (none) not.
    const sent = await agent
      .post('/admin/breaking')
      .type('form')
      .send({ _csrf: csrfToken, articleId: article.id, newsletter: 'quiet-alerts' })
      .expect(303);
    expect(sent.headers.location).toMatch(/^\/admin\/editions\/\d+$/);
  });

  it('asks the same of a signed-in editor on the machine API, but not of the EDITOR_TOKEN', async () => {
    const { agent, csrfToken } = await agentFor(CHIEF);
    const before = await counts();
    for (const [path, body] of [
      ['/admin/digests', { frequency: 'daily' }],
      ['/admin/digests/breaking', { articleId: articleIds[1] }],
    ] as const) {
      const res = await agent.post(path).set('X-CSRF-Token', csrfToken).send(body);
      expect([path, res.status]).toEqual([path, 403]);
      expect((res.body as { stepUp: string }).stepUp).toMatch(/^\/admin\/step-up\?next=/);
    }
    expect(await counts()).toEqual(before);
    await request(s.t.baseUrl)
      .post('/admin/digests/breaking')
      .set('Authorization', s.t.editorAuth)
      .send({ articleId: articleIds[1] })
      .expect(201);
  });

  it('owners change roles and grant alerts to an editor; the last owner cannot be demoted', async () => {
    const editorAgent = await agentFor(EDITOR);
    await editorAgent.agent.get('/admin/breaking').expect(403);
    expect((await editorAgent.agent.get('/admin').expect(200)).text).not.toContain('href="/admin/breaking"');

    const { agent, csrfToken } = await agentFor(OWNER);
    const page = await agent.get('/admin/editors').expect(200);
    const id = async (email: string) =>
      ((await s.t.dataSource.query(`SELECT id FROM editors WHERE email = $1`, [email])) as { id: string }[])[0].id;
    expect(page.text).toContain(`action="/admin/editors/${await id(EDITOR.email)}/role"`);
    await agent
      .post(`/admin/editors/${await id(EDITOR.email)}/role`)
      .type('form')
      .send({ _csrf: csrfToken, role: 'editor', grants: 'alert.send' })
      .expect(303);
    await editorAgent.agent.get('/admin/breaking').expect(200);
    expect((await editorAgent.agent.get('/admin').expect(200)).text).toContain('href="/admin/breaking"');

    await agent
      .post(`/admin/editors/${await id(WRITER.email)}/role`)
      .type('form')
      .send({ _csrf: csrfToken, role: 'analyst' })
      .expect(303);
    const [writer] = (await s.t.dataSource.query(`SELECT role, grants FROM editors WHERE email = $1`, [
      WRITER.email,
    ])) as { role: string; grants: string[] }[];
    expect(writer).toEqual({ role: 'analyst', grants: [] });

    const demote = await agent
      .post(`/admin/editors/${await id(OWNER.email)}/role`)
      .type('form')
      .send({ _csrf: csrfToken, role: 'chief' });
    expect(demote.status).toBe(409);
    expect(demote.text).toContain('لا بد من مالك واحد على الأقل');
    const roles = (await s.t.dataSource.query(`SELECT action, detail FROM audit_log WHERE action = 'editor.role'`)) as {
      detail: { role: string };
    }[];
    expect(roles.map((r) => r.detail.role).sort()).toEqual(['analyst', 'editor']);
  });

  it('an owner invites with a role; an unknown role is refused', async () => {
    const { agent, csrfToken } = await agentFor(OWNER);
    await agent
      .post('/admin/editors/invite')
      .type('form')
      .send({ _csrf: csrfToken, email: 'new.analyst@nashra.test', name: 'محللة', role: 'analyst' })
      .expect(303);
    const [row] = (await s.t.dataSource.query(`SELECT role FROM editors WHERE email = $1`, [
      'new.analyst@nashra.test',
    ])) as { role: string }[];
    expect(row.role).toBe('analyst');
    const bad = await agent
      .post('/admin/editors/invite')
      .type('form')
      .send({ _csrf: csrfToken, email: 'x@nashra.test', role: 'boss' });
    expect(bad.status).toBe(400);
  });
});
