import request from 'supertest';
import { insertEdition, insertReader, setEditionStatus } from '../delivery/ledger-fixtures';
import { insertArticle } from '../factories/articles';
import { createEditor, DEFAULT_EDITOR, signIn } from '../helpers/editor-session';
import { startTestApp, TestApp } from '../helpers/test-app';

/**
 * The breaking-news, sending and history screens are closed to visitors: pages send them to the sign-in form,
 * actions answer 401; a signed-in editor's post without the CSRF token is refused and changes nothing.
 */
describe('Newsroom sending screens: sessions and CSRF', () => {
  let t: TestApp;
  let editionId: string;
  let articleId: string;

  beforeAll(async () => {
    // No workers: the paused edition must stay exactly as the test leaves it.
    t = await startTestApp({ env: { NASHRA_ROLE: 'web' } });
    await createEditor(t.dataSource, DEFAULT_EDITOR);
    await insertReader(t.dataSource, 'reader@example.org');
    articleId = (await insertArticle(t.dataSource, { title: 'خبر للتجربة' })).id;
    editionId = await insertEdition(t.dataSource, { articleIds: [articleId], status: 'sending' });
  });
  afterAll(async () => {
    await t?.close();
  });

  const pages = () => [
    '/admin/breaking',
    `/admin/breaking/confirm?articleId=${articleId}`,
    `/admin/breaking/preview?articleId=${articleId}`,
    '/admin/editions',
    `/admin/editions/${editionId}`,
    `/admin/editions/${editionId}/progress`,
    `/admin/editions/${editionId}/html`,
  ];
  const actions = () =>
    [
      ['/admin/breaking', { articleId }],
      [`/admin/editions/${editionId}/pause`, {}],
      [`/admin/editions/${editionId}/resume`, {}],
      [`/admin/editions/${editionId}/cancel`, {}],
      [`/admin/editions/${editionId}/retry-failed`, {}],
    ] as const;
  const state = async () =>
    (await t.dataSource.query(
      `SELECT (SELECT status FROM editions WHERE id = $1) AS status,
              (SELECT count(*)::int FROM editions) AS editions,
              (SELECT count(*)::int FROM deliveries) AS deliveries`,
      [editionId],
    )) as unknown[];

  it('sends visitors to sign in and refuses their actions', async () => {
    for (const path of pages()) {
      const res = await request(t.baseUrl).get(path);
      expect([path, res.status, res.headers.location]).toEqual([path, 303, expect.stringContaining('/admin/login')]);
    }
    const before = await state();
    for (const [path, body] of actions()) {
      const res = await request(t.baseUrl).post(path).type('form').send(body);
      expect([path, res.status]).toEqual([path, 401]);
    }
    expect(await state()).toEqual(before);
  });

  it("refuses a signed-in editor's post without a valid CSRF token, and changes nothing", async () => {
    const agent = request.agent(t.baseUrl);
    const { csrfToken } = await signIn(agent, { baseUrl: t.baseUrl, ...DEFAULT_EDITOR });
    const before = await state();
    for (const [path, body] of actions()) {
      const none = await agent.post(path).type('form').send(body);
      expect([path, none.status]).toEqual([path, 403]);
      const forged = await agent
        .post(path)
        .type('form')
        .send({ ...body, _csrf: `${csrfToken.slice(0, -4)}AAAA` });
      expect([path, forged.status]).toEqual([path, 403]);
    }
    expect(await state()).toEqual(before);

    // The same posts with the token do act (pause here), so the refusals above were about the token.
    const paused = await agent.post(`/admin/editions/${editionId}/pause`).type('form').send({ _csrf: csrfToken });
    expect(paused.status).toBe(303);
    expect((await state())[0]).toMatchObject({ status: 'paused' });
    await setEditionStatus(t.dataSource, editionId, 'sending');
  });

  it('answers unknown editions and bad filters with a clear 4xx', async () => {
    const agent = request.agent(t.baseUrl);
    await signIn(agent, { baseUrl: t.baseUrl, ...DEFAULT_EDITOR });
    expect((await agent.get('/admin/editions/999999')).status).toBe(404);
    expect((await agent.get('/admin/editions/not-an-id')).status).toBe(404);
    expect((await agent.get(`/admin/editions/${editionId}/html?segment=1,2`)).status).toBe(404);
    const bad = await agent.get('/admin/editions?from=2026-13-45');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('التصفية غير صالحة');
    const missing = await agent.get('/admin/breaking/confirm?articleId=999999');
    expect(missing.status).toBe(303);
    expect(missing.headers.location).toBe('/admin/breaking');
  });
});
