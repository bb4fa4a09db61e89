import request from 'supertest';
import type { DomainReport } from '../../src/deliverability/domain-checks';
import { TestDnsServer } from '../helpers/dns-server';
import { createEditor, signIn } from '../helpers/editor-session';
import { startTestApp, TestApp } from '../helpers/test-app';

const DOMAIN = 'nashra.test';
/** The names of nashra's settings an editor must not be asked to set (issue 23). */
const SETTING_NAMES = /\b(?:DKIM_|WARMUP_|MAIL_FROM|DNS_SERVERS)[A-Z_]*/g;

/** What a reader of the page sees: the text outside tags, scripts and the administrator's collapsed notes. */
function visibleText(html: string, withoutAdmin: boolean): string {
  let text = html.replace(/<script\b[\s\S]*?<\/script>/g, '').replace(/<style\b[\s\S]*?<\/style>/g, '');
  if (withoutAdmin) {
    text = text.replace(/<details class="admin-hint"[\s\S]*?<\/details>/g, '');
  }
  return text.replace(/<[^>]+>/g, ' ');
}

/**
 * Issue 23: the Deliverability screen speaks Arabic to editors. A domain whose DKIM key is not set and no warm-up:
 * the editor reads what to ask for, never an environment variable; the owner (who manages the settings) finds the
 * variables in a collapsed «for the administrator» note, left to right and isolated; scripts get them in `admin`.
 */
describe('Deliverability screen: settings are the administrator’s, the words are the editor’s', () => {
  const dns = new TestDnsServer();
  let t: TestApp;

  beforeAll(async () => {
    await dns.start({
      txt: {
        [DOMAIN]: ['v=spf1 mx ~all'],
        [`_dmarc.${DOMAIN}`]: [`v=DMARC1; p=quarantine; rua=mailto:dmarc@${DOMAIN}`],
      },
      mx: { [DOMAIN]: [{ exchange: `mail.${DOMAIN}`, priority: 10 }] },
      a: { [`mail.${DOMAIN}`]: ['198.51.100.25'] },
    });
    t = await startTestApp({ env: { DNS_SERVERS: dns.servers } });
    await createEditor(t.dataSource, {
      email: 'editor@nashra.test',
      password: 'correct horse battery',
      role: 'editor',
    });
    await createEditor(t.dataSource, { email: 'owner@nashra.test', password: 'correct horse battery', role: 'owner' });
  });
  afterAll(async () => {
    await t?.close();
    await dns.stop();
  });

  async function screenAs(email: string): Promise<string> {
    const agent = request.agent(t.baseUrl);
    await signIn(agent, { baseUrl: t.baseUrl, email, password: 'correct horse battery' });
    return (await agent.get('/admin/deliverability?refresh=1').set('Accept', 'text/html').expect(200)).text;
  }

  it('an editor reads Arabic only: no variable name anywhere on the screen', async () => {
    const html = await screenAs('editor@nashra.test');
    expect(html).toMatch(/data-check="dkim" data-status="fail"/);
    expect(html).toContain('لم يُضبط مفتاح التوقيع على الخادم');
    expect(html).toContain('يضبطها المسؤول التقني');
    expect(html).not.toContain('data-role="admin-hint"');
    expect(visibleText(html, false).match(SETTING_NAMES)).toBeNull();
  });

  it('the owner finds the variables in a collapsed note for the administrator, left to right and isolated', async () => {
    const html = await screenAs('owner@nashra.test');
    // Outside the notes the owner's screen says the same Arabic as the editor's.
    expect(visibleText(html, true).match(SETTING_NAMES)).toBeNull();
    const notes = [...html.matchAll(/<details class="admin-hint"[^>]*>([\s\S]*?)<\/details>/g)].map((m) => m[1]);
    expect(notes).toHaveLength(2);
    const [dkim, warmUp] = notes;
    expect(dkim).toContain('<summary>للمسؤول التقني عن الخادم</summary>');
    expect(dkim).toContain(`<bdi><code dir="ltr">DKIM_DOMAIN&#x3D;${DOMAIN}</code></bdi>`);
    expect(dkim).toContain('<bdi><code dir="ltr">DKIM_PRIVATE_KEY_FILE&#x3D;dkim.pem</code></bdi>');
    expect(dkim).toContain('openssl genpkey');
    expect(warmUp).toContain('<bdi><code dir="ltr">WARMUP_START_PER_DAY</code></bdi>');
    expect(warmUp).toContain('<bdi><code dir="ltr">WARMUP_GROWTH_PERCENT</code></bdi>');
    // Collapsed: <details> without `open`.
    expect(html).not.toMatch(/<details class="admin-hint"[^>]*\bopen\b/);
  });

  it('a script with the bearer token gets the same Arabic and the settings apart, in `admin`', async () => {
    const report = (
      await request(t.baseUrl).get('/admin/deliverability').set('Authorization', t.editorAuth).expect(200)
    ).body as DomainReport;
    const dkim = report.checks.find((c) => c.name === 'dkim')!;
    expect(`${dkim.detail} ${dkim.fix}`.match(SETTING_NAMES)).toBeNull();
    expect(dkim.admin?.settings).toEqual([
      `DKIM_DOMAIN=${DOMAIN}`,
      'DKIM_SELECTOR=nashra',
      'DKIM_PRIVATE_KEY_FILE=dkim.pem',
    ]);
  });
});
