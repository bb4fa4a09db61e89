import { Secret, TOTP } from 'otpauth';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { appWithSmtpSink } from '../helpers/app-with-sink';
import { createEditor, csrfTokenIn, DEFAULT_EDITOR, EditorCredentials, signIn } from '../helpers/editor-session';
import { waitFor } from '../helpers/wait-for';

const STEP_MS = 30_000;

/** The authenticator app the test plays: codes for now, or for the step after. */
function app(secret: string) {
  const totp = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' });
  return { code: (offsetSteps = 0) => totp.generate({ timestamp: Date.now() + offsetSteps * STEP_MS }) };
}

/** Password step through the real form; returns the answer (303 to /admin or to the second step). */
async function password(agent: TestAgent, editor: EditorCredentials, status: number) {
  const form = await agent.get('/admin/login').expect(200);
  return agent
    .post('/admin/login')
    .type('form')
    .send({ email: editor.email, password: editor.password, _csrf: csrfTokenIn(form.text) })
    .expect(status);
}

async function secondStep(agent: TestAgent, code: string, status: number) {
  const form = await agent.get('/admin/login/second-step').expect(200);
  return agent
    .post('/admin/login/second-step')
    .type('form')
    .send({ code, _csrf: csrfTokenIn(form.text) })
    .expect(status);
}

/** Sets up the authenticator app from the Account screen; returns the secret and the ten recovery codes. */
async function setUpTotp(agent: TestAgent, csrfToken: string) {
  const page = await agent.get('/admin/account/totp').expect(200);
  expect(page.text).toContain('<svg role="img" aria-label="رمز QR لإعداد تطبيق المصادقة" class="qr"');
  const secret = /class="totp-secret">([A-Z2-7]+)</.exec(page.text)![1];
  const confirmed = await agent
    .post('/admin/account/totp')
    .type('form')
    .send({ code: app(secret).code(), _csrf: csrfToken })
    .expect(303);
  expect(confirmed.headers.location).toBe('/admin/account/recovery-codes');
  const shown = await agent.get('/admin/account/recovery-codes').expect(200);
  const codes = [...shown.text.matchAll(/<li><code>([a-z2-7-]+)<\/code><\/li>/g)].map((m) => m[1]);
  // Shown once only.
  await agent.get('/admin/account/recovery-codes').expect(303);
  return { secret, codes };
}

describe('Two-step sign-in with an authenticator app and recovery codes', () => {
  const env = appWithSmtpSink();
  const editor = DEFAULT_EDITOR;
  let editorId: string;
  let totp: { secret: string; codes: string[] };
  let earlier: TestAgent;

  beforeAll(async () => {
    editorId = await createEditor(env.t.dataSource, editor);
    earlier = request.agent(env.t.baseUrl);
    await signIn(earlier, { baseUrl: env.t.baseUrl, ...editor });
    const first = request.agent(env.t.baseUrl);
    const { csrfToken } = await signIn(first, { baseUrl: env.t.baseUrl, ...editor });
    totp = await setUpTotp(first, csrfToken);
  });

  it('sets up from the Account screen: QR code drawn on the server, ten recovery codes stored hashed', async () => {
    expect(totp.codes).toHaveLength(10);
    expect(new Set(totp.codes).size).toBe(10);
    const stored = (await env.t.dataSource.query(`SELECT code_hash FROM editor_recovery_codes WHERE editor_id = $1`, [
      editorId,
    ])) as { code_hash: string }[];
    expect(stored).toHaveLength(10);
    expect(stored.map((r) => r.code_hash)).not.toContain(totp.codes[0]);
    const [row] = (await env.t.dataSource.query(`SELECT secret FROM editor_totp WHERE editor_id = $1`, [editorId])) as {
      secret: string;
    }[];
    expect(row.secret).not.toContain(totp.secret);
    // The session opened elsewhere with the password alone ended when the second step was turned on.
    await earlier.get('/admin').expect(303);
  });

  it('asks for the code after the password; a wrong code and a code already used are refused', async () => {
    const agent = request.agent(env.t.baseUrl);
    const afterPassword = await password(agent, editor, 303);
    expect(afterPassword.headers.location).toBe('/admin/login/second-step');
    // Not signed in yet: the newsroom still sends this browser to the sign-in form.
    await agent.get('/admin').expect(303);
    const form = await agent.get('/admin/login/second-step').expect(200);
    expect(form.text).toContain('الرمز من تطبيق المصادقة');

    const authenticator = app(totp.secret);
    const valid = new Set([-1, 0, 1, 2].map((n) => authenticator.code(n)));
    const wrong = ['123456', '654321', '000000', '999999'].find((c) => !valid.has(c))!;
    const refused = await secondStep(agent, wrong, 401);
    expect(refused.text).toContain('الرمز غير صحيح أو سبق استخدامه');
    await agent.get('/admin').expect(303);

    // The code that confirmed the set-up, still inside its 30-second step: refused.
    await secondStep(agent, authenticator.code(0), 401);
    await agent.get('/admin').expect(303);

    const accepted = await secondStep(agent, authenticator.code(1), 303);
    expect(accepted.headers.location).toBe('/admin');
    await agent.get('/admin').expect(200);
    const sessions = (await env.t.dataSource.query(
      `SELECT (sess->>'secondStepAt')::bigint AS at FROM editor_sessions WHERE sess->>'editorId' = $1 AND sess->>'secondStepAt' IS NOT NULL`,
      [editorId],
    )) as { at: string }[];
    expect(sessions.length).toBeGreaterThanOrEqual(1);
    expect(Math.abs(Date.now() - Number(sessions[0].at))).toBeLessThan(60_000);
  });

  it('takes a recovery code once', async () => {
    const code = totp.codes[3];
    const first = request.agent(env.t.baseUrl);
    await password(first, editor, 303);
    const accepted = await secondStep(first, code.toUpperCase(), 303);
    expect(accepted.headers.location).toBe('/admin');
    expect((await first.get('/admin/account').expect(200)).text).toContain('رموز الاسترداد المتبقية: 9');

    const second = request.agent(env.t.baseUrl);
    await password(second, editor, 303);
    await secondStep(second, code, 401);
    await second.get('/admin').expect(303);
    const actions = (await env.t.dataSource.query(
      `SELECT detail->>'secondStep' AS how FROM audit_log WHERE action = 'editor.sign-in' AND editor_id = $1`,
      [editorId],
    )) as { how: string | null }[];
    expect(actions.map((a) => a.how)).toEqual(expect.arrayContaining(['totp', 'recovery-code']));
  });

  it('asks a signed-in editor for the second step again on request (step-up) and records when', async () => {
    const agent = request.agent(env.t.baseUrl);
    await password(agent, editor, 303);
    await secondStep(agent, totp.codes[5], 303);
    const secondStepAt = async () => {
      const rows = (await env.t.dataSource.query(
        `SELECT max((sess->>'secondStepAt')::bigint) AS at FROM editor_sessions WHERE sess->>'editorId' = $1`,
        [editorId],
      )) as { at: string }[];
      return Number(rows[0].at);
    };
    const before = await secondStepAt();
    const form = await agent.get('/admin/step-up?next=%2Fadmin%2Fnext').expect(200);
    expect(form.text).toContain('تأكيد هويتك');
    expect(form.text).toContain('name="code"');
    expect(form.text).not.toContain('name="password"');
    const _csrf = csrfTokenIn(form.text);
    // With a second factor set up, the password alone no longer confirms (a phished password is not enough).
    await agent
      .post('/admin/step-up')
      .type('form')
      .send({ password: editor.password, next: '/admin/next', _csrf })
      .expect(401);
    await agent.post('/admin/step-up').type('form').send({ code: '12345', next: '/admin/next', _csrf }).expect(401);
    const done = await agent
      .post('/admin/step-up')
      .type('form')
      .send({ code: totp.codes[6], next: '/admin/next', _csrf })
      .expect(303);
    expect(done.headers.location).toBe('/admin/next');
    expect(await secondStepAt()).toBeGreaterThan(before);
    const audit = (await env.t.dataSource.query(
      `SELECT detail->>'method' AS how FROM audit_log WHERE action = 'editor.step-up' AND editor_id = $1`,
      [editorId],
    )) as { how: string }[];
    expect(audit).toEqual([{ how: 'recovery-code' }]);
  });

  it('records a sign-in from a new browser in the audit log and emails the editor', async () => {
    const before = (await env.t.dataSource.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'editor.new-device' AND editor_id = $1`,
      [editorId],
    )) as { n: number }[];
    const browser = request.agent(env.t.baseUrl).set('User-Agent', 'Mozilla/5.0 (X11; Linux) NewLaptop/1.0');
    await password(browser, editor, 303);
    await secondStep(browser, totp.codes[7], 303);
    const rows = (await env.t.dataSource.query(
      `SELECT detail FROM audit_log WHERE action = 'editor.new-device' AND editor_id = $1 ORDER BY id`,
      [editorId],
    )) as { detail: { userAgent: string } }[];
    expect(rows).toHaveLength(before[0].n + 1);
    expect(rows[rows.length - 1].detail.userAgent).toContain('NewLaptop/1.0');
    const mail = await waitFor(
      async () => env.sink.to(editor.email).find((m) => m.raw.toString('utf8').includes('NewLaptop/1.0')),
      (m) => m !== undefined,
      15_000,
      'the new-device email',
    );
    expect(mail!.parsed.subject).toBe('دخول إلى حسابك في غرفة التحرير من جهاز جديد');
    expect(mail!.parsed.text).toContain('NewLaptop/1.0');

    // The same browser again: known, so no new entry and no new email.
    const signedOut = await browser.get('/admin/account').expect(200);
    await browser
      .post('/admin/logout')
      .type('form')
      .send({ _csrf: csrfTokenIn(signedOut.text) })
      .expect(303);
    await password(browser, editor, 303);
    await secondStep(browser, totp.codes[8], 303);
    const after = (await env.t.dataSource.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'editor.new-device' AND editor_id = $1`,
      [editorId],
    )) as { n: number }[];
    expect(after[0].n).toBe(rows.length);
  });
});

describe('Passkey sign-in answers that do not check out', () => {
  const env = appWithSmtpSink();

  it('refuses forged or malformed answers with a clear 4xx in Arabic, never a 500', async () => {
    await createEditor(env.t.dataSource, DEFAULT_EDITOR);
    const agent = request.agent(env.t.baseUrl);
    const form = await agent.get('/admin/login').expect(200);
    const token = csrfTokenIn(form.text);
    // No challenge asked for yet.
    const early = await agent.post('/admin/login/passkey').set('X-CSRF-Token', token).send({ response: {} });
    expect(early.status).toBe(401);
    await agent.post('/admin/login/passkey/options').send({}).expect(403);
    for (const response of [
      'not an object',
      { id: 'unknown-credential', rawId: 'x', type: 'public-key', response: {} },
      { id: 'x'.repeat(5000) },
      null,
    ]) {
      const options = await agent.post('/admin/login/passkey/options').set('X-CSRF-Token', token).send({}).expect(200);
      expect(typeof options.body.challenge).toBe('string');
      expect(options.body.userVerification).toBe('required');
      const res = await agent.post('/admin/login/passkey').set('X-CSRF-Token', token).send({ response });
      expect([JSON.stringify(response).slice(0, 40), res.status]).toEqual([JSON.stringify(response).slice(0, 40), 401]);
      expect(res.body.message).toContain('لم ينجح مفتاح المرور');
    }
    await agent.get('/admin').expect(303);
  });
});

describe('A newsroom that requires a second step of those who can send to readers', () => {
  const env = appWithSmtpSink();
  const editor = { email: 'desk@nashra.test', password: 'editor-password-123', name: 'محرر', role: 'editor' };
  const writer = { email: 'writer@nashra.test', password: 'writer-password-123', name: 'كاتب', role: 'writer' };

  it('shows the sign-in card of Settings to owners only: a chief sees the page without it', async () => {
    const chief = { email: 'chief@nashra.test', password: 'chief-password-123', role: 'chief' };
    await createEditor(env.t.dataSource, chief);
    const agent = request.agent(env.t.baseUrl);
    await signIn(agent, { baseUrl: env.t.baseUrl, ...chief });
    const settings = await agent.get('/admin/settings').expect(200);
    expect(settings.text).toContain('الإعدادات');
    expect(settings.text).not.toContain('id="settings-sign-in"');
    expect(settings.text).not.toContain('/admin/settings/sign-in');
  });

  it('leads an editor (role editor) without one to set it up at the next sign-in, then signs them in', async () => {
    await createEditor(env.t.dataSource, DEFAULT_EDITOR);
    await createEditor(env.t.dataSource, editor);
    await createEditor(env.t.dataSource, writer);
    const owner = request.agent(env.t.baseUrl);
    const { csrfToken } = await signIn(owner, { baseUrl: env.t.baseUrl, ...DEFAULT_EDITOR });
    const settings = await owner.get('/admin/settings').expect(200);
    expect(settings.text).toContain('اشتراط الدخول بخطوتين لكل من يرسل إلى القرّاء');
    await owner.post('/admin/settings/sign-in').type('form').send({ requireSecondStep: 'on' }).expect(403);
    await owner
      .post('/admin/settings/sign-in')
      .type('form')
      .send({ requireSecondStep: 'on', _csrf: csrfToken })
      .expect(303);

    const agent = request.agent(env.t.baseUrl);
    const afterPassword = await password(agent, editor, 303);
    expect(afterPassword.headers.location).toBe('/admin/login/setup');
    await agent.get('/admin').expect(303);
    const setup = await agent.get('/admin/login/setup').expect(200);
    expect(setup.text).toContain('تشترط غرفة التحرير خطوة ثانية');
    const secret = /class="totp-secret">([A-Z2-7]+)</.exec(setup.text)![1];
    await agent
      .post('/admin/login/setup/totp')
      .type('form')
      .send({ code: '000000', _csrf: csrfTokenIn(setup.text) })
      .expect((res) => expect([400]).toContain(res.status));
    const done = await agent
      .post('/admin/login/setup/totp')
      .type('form')
      .send({ code: app(secret).code(), _csrf: csrfTokenIn(setup.text) })
      .expect(303);
    expect(done.headers.location).toBe('/admin/account/recovery-codes?next=%2Fadmin');
    const codes = await agent.get(done.headers.location).expect(200);
    expect([...codes.text.matchAll(/<li><code>/g)]).toHaveLength(10);
    await agent.get('/admin').expect(200);
    const account = await agent.get('/admin/account').expect(200);
    expect(account.text).toContain('تشترطه غرفة التحرير');
  });

  it('lets a writer, who cannot send to readers, sign in with the password alone while it is on', async () => {
    const agent = request.agent(env.t.baseUrl);
    const afterPassword = await password(agent, writer, 303);
    expect(afterPassword.headers.location).toBe('/admin');
    await agent.get('/admin').expect(200);
    const account = await agent.get('/admin/account').expect(200);
    expect(account.text).toContain('تدخل بكلمة المرور وحدها');
    expect(account.text).not.toContain('تشترطه غرفة التحرير');
    const signIns = (await env.t.dataSource.query(
      `SELECT detail->>'secondStep' AS step FROM audit_log
       WHERE action = 'editor.sign-in' AND editor_id = (SELECT id FROM editors WHERE email = $1)`,
      [writer.email],
    )) as { step: string | null }[];
    expect(signIns).toEqual([{ step: null }]);
  });
});
