import request from 'supertest';
import { TransactionalOutbox } from '../../src/delivery/transactional-outbox';
import { ReaderImporter } from '../../src/subscribers/import/reader-importer';
import { uploadedFile } from '../factories/reader-csv';
import { insertArticle } from '../factories/articles';
import { insertReader } from '../factories/readers';
import { appWithSmtpSink } from '../helpers/app-with-sink';
import { waitFor } from '../helpers/wait-for';
import { ARABIC, confirmToken, postForm, postJson } from '../readers/reader-steps';

describe('Newsletters: the machine API, the JSON signup and alerts per newsletter', () => {
  const app = appWithSmtpSink({ env: { SIGNUP_RATE_LIMIT_PER_MINUTE: '1000' } });
  const t = () => app.t;
  const api = () => request(t().baseUrl);
  const auth = () => t().editorAuth;

  async function subscriptionsOf(email: string): Promise<Record<string, string>> {
    const rows: Array<{ slug: string; status: string }> = await t().dataSource.query(
      `SELECT n.slug, sub.status FROM subscriptions sub JOIN newsletters n ON n.id = sub.newsletter_id
         JOIN subscribers s ON s.id = sub.subscriber_id WHERE s.email = $1`,
      [email],
    );
    return Object.fromEntries(rows.map((r) => [r.slug, r.status]));
  }

  describe('the machine API', () => {
    it('is in Swagger, behind the bearer token', async () => {
      const doc = (await api().get('/admin/docs-json').set('Authorization', auth()).expect(200)).body as {
        paths: Record<string, Record<string, unknown>>;
      };
      expect(Object.keys(doc.paths['/admin/newsletters']).sort()).toEqual(['get', 'post']);
      expect(Object.keys(doc.paths['/admin/newsletters/{slug}']).sort()).toEqual(['get', 'put']);
      await api().get('/admin/newsletters').expect(401);
    });

    it('lists the three newsletters every install starts with, each with its slug and kept count', async () => {
      await insertReader(t().dataSource, 'counted@example.org', { newsletters: ['weekly', 'breaking'] });
      const list = (await api().get('/admin/newsletters').set('Authorization', auth()).expect(200)).body as Array<{
        slug: string;
        kind: string;
        subscribers: number;
        cronInForce: string | null;
      }>;
      expect(list.map((n) => [n.slug, n.kind, n.subscribers])).toEqual([
        ['daily', 'digest', 0],
        ['weekly', 'digest', 1],
        ['breaking', 'alerts', 1],
      ]);
      expect(list[0].cronInForce).toBeTruthy();
      // Growth over 30 days, kept per day by the same triggers.
      expect((list[1] as unknown as { growth30: unknown }).growth30).toEqual({ joined: 1, left: 0 });
      expect(list[2].cronInForce).toBeNull();
    });

    it('creates and changes a newsletter; refuses a taken slug, a bad cron, a schedule on alerts', async () => {
      const created = await api()
        .post('/admin/newsletters')
        .set('Authorization', auth())
        .send({ slug: 'iraq-alerts', name: 'عاجل العراق', kind: 'alerts', topics: ['#العراق'] })
        .expect(201);
      expect(created.body).toMatchObject({ slug: 'iraq-alerts', kind: 'alerts', topics: ['العراق'], subscribers: 0 });
      await api()
        .post('/admin/newsletters')
        .set('Authorization', auth())
        .send({ slug: 'iraq-alerts', name: 'مكرر', kind: 'alerts' })
        .expect(409);
      await api()
        .post('/admin/newsletters')
        .set('Authorization', auth())
        .send({ slug: 'sport', name: 'الرياضة', kind: 'digest', period: 'weekly', scheduleCron: 'every friday' })
        .expect(400);
      await api()
        .post('/admin/newsletters')
        .set('Authorization', auth())
        .send({ slug: 'Bad Slug', name: 'x', kind: 'digest' })
        .expect(400);
      await api()
        .put('/admin/newsletters/iraq-alerts')
        .set('Authorization', auth())
        .send({ scheduleCron: '0 9 * * 5' })
        .expect(400);
      const changed = await api()
        .put('/admin/newsletters/weekly')
        .set('Authorization', auth())
        .send({ scheduleCron: '15 8 * * 4', description: 'كل خميس' })
        .expect(200);
      expect(changed.body).toMatchObject({ slug: 'weekly', scheduleCron: '15 8 * * 4', cronInForce: '15 8 * * 4' });
      await api().put('/admin/newsletters/nope').set('Authorization', auth()).send({ name: 'x' }).expect(404);
      // Back to the standard schedule of its period.
      await api()
        .put('/admin/newsletters/weekly')
        .set('Authorization', auth())
        .send({ scheduleCron: null })
        .expect(200);
    });
  });

  describe('the JSON signup and the form', () => {
    it('takes {"email", "newsletters"}; the confirmation activates the address, not the subscriptions again', async () => {
      await postJson(t(), { email: 'json-nl@example.org', newsletters: ['weekly', 'iraq-alerts'] }).expect(200);
      expect(await subscriptionsOf('json-nl@example.org')).toEqual({ weekly: 'active', 'iraq-alerts': 'active' });
      const [row]: Array<{ status: string; frequency: string }> = await t().dataSource.query(
        `SELECT status, frequency FROM subscribers WHERE email = 'json-nl@example.org'`,
      );
      expect(row).toEqual({ status: 'pending', frequency: 'weekly' });
      const mail = await waitFor(
        () => Promise.resolve(app.sink.to('json-nl@example.org')),
        (m) => m.length === 1,
        15_000,
        'confirmation',
      );
      await t().get(TransactionalOutbox).idle();
      await api()
        .post(`/subscriptions/confirm?token=${confirmToken(mail[0])}`)
        .expect(200);
      const consent: Array<{ consent: { wording: string } }> = await t().dataSource.query(
        `SELECT sub.consent FROM subscriptions sub JOIN subscribers s ON s.id = sub.subscriber_id
          WHERE s.email = 'json-nl@example.org'`,
      );
      expect(consent.map((c) => c.consent.wording.length > 0)).toEqual([true, true]);
    });

    it('keeps older embeds working: frequency means that digest and the alerts; nothing means the defaults', async () => {
      await postForm(t(), { email: 'old-form@example.org', frequency: 'weekly' }).expect(303);
      expect(await subscriptionsOf('old-form@example.org')).toEqual({ weekly: 'active', breaking: 'active' });
      await postJson(t(), { email: 'no-choice@example.org' }).expect(200);
      expect(await subscriptionsOf('no-choice@example.org')).toEqual({ daily: 'active', breaking: 'active' });
    });

    it('a form post with several boxes ticked subscribes to each; a later signup while pending replaces the choice', async () => {
      await postForm(t(), { email: 'boxes@example.org', choice: 'newsletters', newsletters: 'daily' }).expect(303);
      const body = new URLSearchParams([
        ['email', 'boxes@example.org'],
        ['choice', 'newsletters'],
        ['newsletters', 'weekly'],
        ['newsletters', 'breaking'],
      ]);
      await api().post('/subscriptions').type('form').send(body.toString()).expect(303);
      expect(await subscriptionsOf('boxes@example.org')).toEqual({
        daily: 'unsubscribed',
        weekly: 'active',
        breaking: 'active',
      });
    });

    it('refuses an unknown newsletter, or none ticked, with an Arabic message and stores nothing', async () => {
      const unknown = await postJson(t(), { email: 'bad-nl@example.org', newsletters: ['daily', 'sports'] }).expect(
        400,
      );
      expect(unknown.body.message).toBe('إحدى النشرات المختارة غير موجودة.');
      const none = await postForm(t(), { email: 'none-nl@example.org', choice: 'newsletters' }).expect(400);
      expect(none.text).toContain('اختر نشرة واحدة على الأقل.');
      expect(none.text).toMatch(ARABIC);
      const rows = await t().dataSource.query(
        `SELECT 1 FROM subscribers WHERE email IN ('bad-nl@example.org', 'none-nl@example.org')`,
      );
      expect(rows).toEqual([]);
    });

    it('an active reader cannot be subscribed to more by anyone posting the form', async () => {
      await insertReader(t().dataSource, 'settled@example.org', { newsletters: ['weekly'] });
      await postJson(t(), { email: 'settled@example.org', newsletters: ['daily', 'breaking'] }).expect(200);
      expect(await subscriptionsOf('settled@example.org')).toEqual({ weekly: 'active' });
    });
  });

  describe('imports', () => {
    it('subscribe the file to the newsletters chosen, or (none chosen) to the frequency digest and the alerts', async () => {
      const importer = t().get(ReaderImporter);
      const run = async (text: string, newsletters?: string[]) => {
        const job = await importer.start({
          uploadedPath: uploadedFile(text),
          fileName: 'readers.csv',
          frequency: 'weekly',
          newsletters,
          trustConsent: false,
          startedBy: 'editor@nashra.test',
        });
        await importer.settled(job.id);
      };
      await run('email\nimported-chosen@example.net\n', ['daily', 'iraq-alerts']);
      await run('email\nimported-default@example.net\n');
      expect(await subscriptionsOf('imported-chosen@example.net')).toEqual({
        daily: 'active',
        'iraq-alerts': 'active',
      });
      expect(await subscriptionsOf('imported-default@example.net')).toEqual({ weekly: 'active', breaking: 'active' });
    });
  });

  describe('alerts per newsletter', () => {
    it('an alert goes to the subscribers of the alerts newsletter named, which takes only its topic', async () => {
      await insertReader(t().dataSource, 'iraq-only@example.org', { newsletters: ['iraq-alerts'] });
      await insertReader(t().dataSource, 'breaking-only@example.org', { newsletters: ['breaking'] });
      const iraq = await insertArticle(t().dataSource, { title: 'عاجل: زلزال يضرب شمال العراق', topics: ['العراق'] });
      const other = await insertArticle(t().dataSource, { title: 'عاجل: قمة في الرياض', topics: ['السعودية'] });
      await api()
        .post('/admin/digests/breaking')
        .set('Authorization', auth())
        .send({ articleId: other.id, newsletter: 'iraq-alerts' })
        .expect(409);
      await api()
        .post('/admin/digests/breaking')
        .set('Authorization', auth())
        .send({ articleId: iraq.id, newsletter: 'nope' })
        .expect(404);
      const sent = await api()
        .post('/admin/digests/breaking')
        .set('Authorization', auth())
        .send({ articleId: iraq.id, newsletter: 'iraq-alerts' })
        .expect(201);
      expect(sent.body.key).toBe(`iraq-alerts/${iraq.id}`);
      await waitFor(
        async () =>
          (
            (await t().dataSource.query(`SELECT status FROM editions WHERE id = $1`, [sent.body.id])) as Array<{
              status: string;
            }>
          )[0].status,
        (s) => s === 'sent',
        30_000,
        'alert sent',
      );
      const subject = sent.body.subject as string;
      expect(app.sink.to('iraq-only@example.org').filter((m) => m.parsed.subject === subject)).toHaveLength(1);
      expect(app.sink.to('breaking-only@example.org').filter((m) => m.parsed.subject === subject)).toHaveLength(0);
      // The same article may still go out once in the default alerts.
      await api().post('/admin/digests/breaking').set('Authorization', auth()).send({ articleId: iraq.id }).expect(201);
    });
  });
});
