import { createServer } from 'node:net';
import request from 'supertest';
import { DeliveryQueue } from '../../src/delivery/delivery-queue';
import { createEditor, DEFAULT_EDITOR, signIn } from '../helpers/editor-session';
import { SmtpSink } from '../helpers/smtp-sink';
import { startTestApp, TestApp } from '../helpers/test-app';
import { insertEdition, insertReaders, insertRender, ledger, setEditionStatus, waitFor } from './ledger-fixtures';

/** A port nothing listens on (yet). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Issue 11, point 7: an SMTP outage is the transport's, not the readers'. Backoffs are scaled down (1 s, then
 * 2 s at most, against the default 15 s → 5 min) and DELIVERY_MAX_ATTEMPTS to 2, so an outage of many tries —
 * "30 minutes" at the default scale, far more tries than a reader has attempts — takes seconds.
 */
describe('SMTP outage', () => {
  let t: TestApp;
  let sink: SmtpSink | undefined;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    t = await startTestApp({
      env: {
        SMTP_URL: `smtp://127.0.0.1:${port}`,
        SMTP_POOL_SIZE: '2',
        DELIVERY_BATCH_SIZE: '10',
        DELIVERY_MAX_ATTEMPTS: '2',
        DELIVERY_RETRY_BASE_SECONDS: '1',
        SMTP_OUTAGE_BACKOFF_SECONDS: '1',
        SMTP_OUTAGE_MAX_WAIT_SECONDS: '2',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  const detail = async (edition: string) =>
    (await request(t.baseUrl).get(`/admin/digests/${edition}`).set('Authorization', t.editorAuth).expect(200)).body;

  it('pauses the whole send while the server is down, then every reader gets the edition and no one is failed', async () => {
    const list = await insertReaders(t.dataSource, { count: 30, prefix: 'outage-' });
    const edition = await insertEdition(t.dataSource);
    await insertRender(t.dataSource, edition);
    await t.get(DeliveryQueue).queueEdition(edition);
    await setEditionStatus(t.dataSource, edition, 'sending');

    // Editors see the outage, with when it began and when the next try is.
    const down = await waitFor(
      () => detail(edition),
      (d) => d.progress?.transport?.reachable === false,
      20_000,
      'the outage shown',
    );
    expect(Date.parse(down.progress.transport.since)).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(down.progress.transport.nextTryAt)).toBeGreaterThan(Date.parse(down.progress.transport.since));
    expect(down.progress.transport.lastError).toMatch(/ECONNREFUSED/);
    // And the newsroom dashboard says so.
    await createEditor(t.dataSource, DEFAULT_EDITOR);
    const editor = request.agent(t.baseUrl);
    await signIn(editor, { baseUrl: t.baseUrl, ...DEFAULT_EDITOR });
    const banner = (await editor.get('/admin').expect(200)).text;
    expect(banner).toContain('id="smtp-unreachable"');
    // The moment in the site's date style (day, month name, year and time: src/common/formatter.ts).
    expect(banner).toMatch(/خادم البريد \(SMTP\) لا يُجيب منذ <time>[^<]*\d{4}[^<]*\d\d:\d\d<\/time>/);

    // Several backoffs, well past what DELIVERY_MAX_ATTEMPTS would allow if each try cost an attempt.
    const status = await waitFor(
      async () => (await t.dataSource.query(`SELECT failures FROM transport_status WHERE name = 'smtp'`))[0],
      (s) => s.failures >= 3,
      30_000,
      'three failed tries',
    );
    expect(status.failures).toBeGreaterThanOrEqual(3);
    const during = await ledger(t.dataSource, edition);
    expect(during.filter((r) => r.status === 'failed')).toEqual([]);
    expect(during.every((r) => r.attempts === 0)).toBe(true);
    expect((await detail(edition)).status).toBe('sending');

    // The server comes back on the same port: the edition resumes by itself.
    sink = await SmtpSink.start({}, port);
    await waitFor(
      async () => (await t.dataSource.query(`SELECT status FROM editions WHERE id = $1`, [edition]))[0].status,
      (s) => s === 'sent',
      30_000,
      'edition sent',
    );
    expect(list.every((r) => sink!.to(r.email).length === 1)).toBe(true);
    const rows = await ledger(t.dataSource, edition);
    expect(rows.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
    expect((await detail(edition)).progress.transport).toMatchObject({ reachable: true, since: null, nextTryAt: null });
    expect((await editor.get('/admin').expect(200)).text).not.toContain('smtp-unreachable');
  });
});
