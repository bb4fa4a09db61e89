import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { localeValue } from '../../src/common/locale';
import { NextEditionPlanService } from '../../src/digests/next-edition-plan.service';
import { seedNewsroom, type SeededNewsroom } from '../fixtures/newsroom-seed';
import { createEditor, DEFAULT_EDITOR, signIn } from '../helpers/editor-session';
import { FakeClock } from '../helpers/fake-clock';
import { startTestApp, TestApp } from '../helpers/test-app';

const EGYPTIAN_MONTHS = localeValue('common.calendar.months.egypt') as string[];

/** Every newsroom page in one voice: the site's month names, one weekday spelling, Arabic labels for internal keys. */
describe('Newsroom in Arabic: dates, counts and labels', () => {
  // A Monday, in December: «الاثنين» and «كانون الأول» must show, never «الإثنين» or «ديسمبر».
  const clock = new FakeClock(new Date('2026-12-07T09:00:00Z'));
  let t: TestApp;
  let agent: TestAgent;
  let csrfToken: string;
  let seeded: SeededNewsroom;
  const pages = new Map<string, string>();

  beforeAll(async () => {
    t = await startTestApp({ clock, env: { NASHRA_ROLE: 'web', MONTH_NAMES: 'levant' } });
    await createEditor(t.dataSource, DEFAULT_EDITOR);
    seeded = await seedNewsroom(t.dataSource, clock.now());
    agent = request.agent(t.baseUrl);
    ({ csrfToken } = await signIn(agent, { baseUrl: t.baseUrl, ...DEFAULT_EDITOR }));
    const [, second] = (await t.get(NextEditionPlanService).preview('daily')).articles;
    await agent
      .post(`/admin/next/articles/${second.id}/pin`)
      .type('form')
      .send({ _csrf: csrfToken, frequency: 'daily' })
      .expect(303);
    for (const path of seeded.pages) {
      pages.set(path, (await agent.get(path).expect(200)).text);
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  it('with MONTH_NAMES=levant, no Egyptian month name and one spelling of Monday on any page', () => {
    const found = [...pages].flatMap(([path, html]) =>
      [...EGYPTIAN_MONTHS, 'الإثنين'].filter((word) => html.includes(word)).map((word) => `${path}: ${word}`),
    );
    expect(found).toEqual([]);
    expect(pages.get('/admin')).toContain('كانون الأول 2026');
    expect(pages.get('/admin/settings')).toContain('الاثنين');
  });

  it('says how long ago a feed last answered, in words', async () => {
    await t.dataSource.query(
      `INSERT INTO feeds (url, last_polled_at, last_success_at, last_status) VALUES ($1, $2, $2, 'ok')`,
      ['https://www.example.net/feed/', new Date(clock.now().getTime() - 5 * 60_000)],
    );
    const dashboard = (await agent.get('/admin').expect(200)).text;
    expect(dashboard).toContain('>قبل 5 دقائق</span>');
  });

  it('counts agree with their numbers', () => {
    const next = pages.get('/admin/next?frequency=daily')!;
    expect(next).toContain('سيصل إلى 12 قارئًا');
    expect(pages.get('/admin/next/confirm?frequency=daily')).toContain('7 مقالات، أوّلها');
    expect(pages.get('/admin/breaking')).toContain('(15 قارئًا)');
  });

  it('names audit actions, subjects, delivery statuses and edition kinds in Arabic, not by their keys', () => {
    const dashboard = pages.get('/admin')!;
    expect(dashboard).toContain('دخل إلى غرفة التحرير');
    expect(dashboard).toContain('ثبّت الخبر الرئيسي');
    expect(dashboard).not.toMatch(/>editor\.sign-in<|>next-digest\.pin<|plan:daily|edition:\d/);
    const record = pages.get(`/admin/readers/${seeded.readerId}`)!;
    expect(record).toMatch(/<td>النشرة اليومية<\/td>/);
    expect(record).toMatch(/<td>أُرسلت<\/td>/);
    expect(record).not.toMatch(/>sent<|daily:\d{4}/);
  });

  it('shows topics by their display names on the next-digest list', () => {
    const next = pages.get('/admin/next?frequency=daily')!;
    expect(next).toContain('أمن، حقوق الإنسان');
    expect(next).not.toMatch(/· امن/);
  });
});
