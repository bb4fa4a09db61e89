import { waitFor } from '../helpers/wait-for';
import request from 'supertest';
import { createEditor, csrfTokenIn, DEFAULT_EDITOR, signIn } from '../helpers/editor-session';
import { SmtpSink } from '../helpers/smtp-sink';
import { startTestApp, TestApp } from '../helpers/test-app';

const COLLEAGUE = { email: 'sami@nashra.test', password: 'sami-first-password-1', name: 'سامي' };

async function attempt(t: TestApp, email: string, password: string): Promise<request.Response> {
  const agent = request.agent(t.baseUrl);
  const form = await agent.get('/admin/login').expect(200);
  return agent
    .post('/admin/login')
    .type('form')
    .send({ email, password, _csrf: csrfTokenIn(form.text) });
}

describe('Editor accounts: throttling, password change, invitations', () => {
  let t: TestApp;
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({ env: { SMTP_URL: `smtp://127.0.0.1:${sink.port}` } });
    await createEditor(t.dataSource, DEFAULT_EDITOR);
    await createEditor(t.dataSource, COLLEAGUE);
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  it('locks an account after 5 failures in 15 minutes, in every process, and an address after 20', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await attempt(t, COLLEAGUE.email, `wrong-password-${i}`)).status).toBe(401);
    }
    const locked = await attempt(t, COLLEAGUE.email, COLLEAGUE.password);
    expect(locked.status).toBe(429);
    expect(locked.text).toContain('محاولات دخول فاشلة كثيرة');
    // A second instance on the same database counts the same failures.
    const other = await startTestApp({ database: t.database });
    try {
      expect((await attempt(other, COLLEAGUE.email, COLLEAGUE.password)).status).toBe(429);
    } finally {
      await other.close();
    }
    // Other accounts still sign in from this address (5 failures so far)…
    expect((await attempt(t, DEFAULT_EDITOR.email, DEFAULT_EDITOR.password)).status).toBe(303);
    // …until the address itself reaches 20 failures, whatever accounts it tried.
    for (let i = 0; i < 15; i++) {
      expect((await attempt(t, `nobody-${i}@nashra.test`, 'wrong-password')).status).toBe(401);
    }
    expect((await attempt(t, DEFAULT_EDITOR.email, DEFAULT_EDITOR.password)).status).toBe(429);
    await t.dataSource.query(`DELETE FROM sign_in_failures`);
  });

  it('changes a password only with the current one, and signs out the editor’s other sessions', async () => {
    const laptop = request.agent(t.baseUrl);
    await signIn(laptop, { baseUrl: t.baseUrl, ...COLLEAGUE });
    const phone = request.agent(t.baseUrl);
    const { csrfToken } = await signIn(phone, { baseUrl: t.baseUrl, ...COLLEAGUE });
    const next = 'sami-second-password-2';

    const wrong = await phone
      .post('/admin/account/password')
      .type('form')
      .send({ _csrf: csrfToken, current: 'not-my-password', password: next, confirm: next })
      .expect(400);
    expect(wrong.text).toContain('كلمة المرور الحالية غير صحيحة');
    const mismatch = await phone
      .post('/admin/account/password')
      .type('form')
      .send({ _csrf: csrfToken, current: COLLEAGUE.password, password: next, confirm: 'something-else-1' })
      .expect(400);
    expect(mismatch.text).toContain('تأكيد كلمة المرور لا يطابقها');
    expect((await attempt(t, COLLEAGUE.email, COLLEAGUE.password)).status).toBe(303);

    const done = await phone
      .post('/admin/account/password')
      .type('form')
      .send({ _csrf: csrfToken, current: COLLEAGUE.password, password: next, confirm: next })
      .expect(303);
    expect(done.headers.location).toBe('/admin/account');
    expect((await phone.get('/admin/account').expect(200)).text).toContain('غيّرنا كلمة المرور');
    await laptop.get('/admin/account').expect(303); // the other session is gone
    expect((await attempt(t, COLLEAGUE.email, COLLEAGUE.password)).status).toBe(401);
    expect((await attempt(t, COLLEAGUE.email, next)).status).toBe(303);
    const [entry] = (await t.dataSource.query(
      `SELECT actor FROM audit_log WHERE action = 'editor.password-change'`,
    )) as { actor: string }[];
    expect(entry.actor).toBe(COLLEAGUE.email);
  });

  it('invites an editor by email; the one-time link sets a password, signs in, and works only once', async () => {
    const agent = request.agent(t.baseUrl);
    const { csrfToken } = await signIn(agent, { baseUrl: t.baseUrl, ...DEFAULT_EDITOR });
    const bad = await agent
      .post('/admin/editors/invite')
      .type('form')
      .send({ _csrf: csrfToken, email: 'not-an-address', name: 'x' })
      .expect(400);
    expect(bad.text).toContain('أدخل بريدًا إلكترونيًا صحيحًا');
    const taken = await agent
      .post('/admin/editors/invite')
      .type('form')
      .send({ _csrf: csrfToken, email: COLLEAGUE.email })
      .expect(409);
    expect(taken.text).toContain('لهذا البريد حساب محرر بالفعل');

    const before = sink.messages.length;
    await agent
      .post('/admin/editors/invite')
      .type('form')
      .send({ _csrf: csrfToken, email: 'Huda@Nashra.test', name: 'هدى' })
      .expect(303);
    // The invitation is the message to the invited address: a new-device notice to the inviting editor (two-step
    // sign-in) may arrive beside it, in either order.
    const mail = await waitFor(
      async () => sink.messages.slice(before).find((m) => m.to.includes('huda@nashra.test')),
      (found) => found !== undefined,
      15_000,
      'the invitation email',
    );
    expect(mail!.to).toEqual(['huda@nashra.test']);
    expect(mail!.parsed.subject).toContain('دعوة إلى غرفة تحرير');
    const link = /https?:\/\/[^\s"<>]+\/admin\/invite\?token=[A-Za-z0-9_-]+/.exec(mail!.parsed.text ?? '')![0];
    const list = await agent.get('/admin/editors').expect(200);
    expect(list.text).toContain('أرسلنا دعوة إلى huda@nashra.test');
    expect(list.text).toContain('هدى');
    const [row] = (await t.dataSource.query(`SELECT invite_token_hash FROM editors WHERE email = $1`, [
      'huda@nashra.test',
    ])) as { invite_token_hash: string }[];
    expect(link).not.toContain(row.invite_token_hash); // only the hash is stored

    const invited = request.agent(t.baseUrl);
    const path = new URL(link).pathname + new URL(link).search;
    const form = await invited.get(path).expect(200);
    expect(form.text).toContain('هدى');
    const token = new URL(link).searchParams.get('token')!;
    await invited
      .post('/admin/invite')
      .type('form')
      .send({ _csrf: csrfTokenIn(form.text), token, password: 'huda-password-123', confirm: 'huda-password-123' })
      .expect(303);
    expect((await invited.get('/admin').expect(200)).text).toContain('هدى');
    expect((await request(t.baseUrl).get(path).expect(410)).text).toContain('رابط الدعوة غير صالح');
    expect((await attempt(t, 'huda@nashra.test', 'huda-password-123')).status).toBe(303);
    const actions = (await t.dataSource.query(`SELECT action, subject FROM audit_log ORDER BY id`)) as {
      action: string;
      subject: string | null;
    }[];
    expect(actions).toContainEqual({ action: 'editor.invite', subject: 'huda@nashra.test' });
    expect(actions.map((a) => a.action)).toContain('editor.accept-invite');
  });
});
