import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { Clock } from '../../src/common/clock';
import { Locale } from '../../src/common/locale';
import { loadConfig } from '../../src/config/app-config';
import { DnsLookup } from '../../src/deliverability/dns-lookup';
import { DomainChecks, DomainReport } from '../../src/deliverability/domain-checks';
import { HostedDomains } from '../../src/deliverability/hosted-domains';
import { ReputationWatch } from '../../src/deliverability/reputation-watch';
import { insertEdition } from '../delivery/ledger-fixtures';
import { TestDnsServer, Zone } from '../helpers/dns-server';
import { startTestApp, TestApp } from '../helpers/test-app';

const DOMAIN = 'nashra.test';
const SELECTOR = 'nashra';

/** The DKIM record of a key pair, as an operator publishes it. */
function dkimRecord(publicKey: Buffer): string {
  return `v=DKIM1; k=rsa; p=${publicKey.toString('base64')}`;
}

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    pem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    spki: publicKey.export({ format: 'der', type: 'spki' }),
  };
}

/** A domain ready to send: SPF naming the relay, our DKIM key, DMARC p=quarantine, an MX. */
function readyZone(dkim: Buffer): Zone {
  return {
    txt: {
      [DOMAIN]: ['v=spf1 ip4:203.0.113.7 mx ~all'],
      [`${SELECTOR}._domainkey.${DOMAIN}`]: [dkimRecord(dkim)],
      [`_dmarc.${DOMAIN}`]: [`v=DMARC1; p=quarantine; rua=mailto:dmarc@${DOMAIN}`],
    },
    mx: { [DOMAIN]: [{ exchange: `mail.${DOMAIN}`, priority: 10 }] },
    a: { [`mail.${DOMAIN}`]: ['203.0.113.25'], [`relay.${DOMAIN}`]: ['203.0.113.7'] },
  };
}

const byName = (report: DomainReport) => Object.fromEntries(report.checks.map((c) => [c.name, c]));

/**
 * Issue 25: is MAIL_FROM's domain ready? A DNS server of the test's own (dns2 on loopback) publishes the records;
 * nashra asks it through DNS_SERVERS.
 */
describe('Deliverability: DNS checks of the sending domain', () => {
  const dns = new TestDnsServer();
  const dir = mkdtempSync(join(tmpdir(), 'nashra-dkim-'));
  const ours = keyPair();
  const keyFile = join(dir, 'dkim.pem');
  const env = {
    DKIM_DOMAIN: DOMAIN,
    DKIM_SELECTOR: SELECTOR,
    DKIM_PRIVATE_KEY_FILE: keyFile,
  };
  let t: TestApp;

  beforeAll(async () => {
    writeFileSync(keyFile, ours.pem);
    await dns.start(readyZone(ours.spki));
    t = await startTestApp({ env: { ...env, DNS_SERVERS: dns.servers } });
  });
  afterAll(async () => {
    await t?.close();
    await dns.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const report = async (query = '?refresh=1') =>
    (await request(t.baseUrl).get(`/admin/deliverability${query}`).set('Authorization', t.editorAuth).expect(200))
      .body as DomainReport;

  it('with SPF, the DKIM key and DMARC p=quarantine published, spf, dkim and dmarc pass', async () => {
    const body = await report();
    expect(body.domain).toBe(DOMAIN);
    const checks = byName(body);
    expect(checks.spf).toMatchObject({ status: 'pass', fix: null });
    expect(checks.dkim).toMatchObject({ status: 'pass', fix: null });
    expect(checks.dmarc).toMatchObject({ status: 'pass', fix: null });
    expect(checks.mx).toMatchObject({ status: 'pass' });
    expect(checks.mx.detail).toContain(`mail.${DOMAIN}`);
    // Optional: warnings that say so, with the record to publish.
    expect(checks['mta-sts']).toMatchObject({ status: 'warn' });
    expect(checks['mta-sts'].fix).toContain(`_mta-sts.${DOMAIN}`);
    expect(checks.bimi.fix).toContain(`default._bimi.${DOMAIN}`);
  });

  it('another key in DNS turns dkim to fail, with the exact record to publish (in Arabic)', async () => {
    dns.zone.txt![`${SELECTOR}._domainkey.${DOMAIN}`] = [dkimRecord(keyPair().spki)];
    const checks = byName(await report());
    expect(checks.dkim.status).toBe('fail');
    expect(checks.dkim.detail).toContain('لا يطابق');
    expect(checks.dkim.fix).toContain(`${SELECTOR}._domainkey.${DOMAIN}`);
    expect(checks.dkim.fix).toContain(dkimRecord(ours.spki));
    expect(checks.dkim.fix).toMatch(/انشر سجل TXT/);
    dns.zone.txt![`${SELECTOR}._domainkey.${DOMAIN}`] = [dkimRecord(ours.spki)];
  });

  it('DMARC p=none is a warning with advice and the stricter record; no DMARC at all fails', async () => {
    dns.zone.txt![`_dmarc.${DOMAIN}`] = [`v=DMARC1; p=none; rua=mailto:dmarc@${DOMAIN}`];
    let checks = byName(await report());
    expect(checks.dmarc.status).toBe('warn');
    expect(checks.dmarc.detail).toContain('p=quarantine');
    expect(checks.dmarc.fix).toContain(`_dmarc.${DOMAIN}`);
    expect(checks.dmarc.fix).toContain(`v=DMARC1; p=quarantine; rua=mailto:dmarc@${DOMAIN}`);
    delete dns.zone.txt![`_dmarc.${DOMAIN}`];
    checks = byName(await report());
    expect(checks.dmarc.status).toBe('fail');
    dns.zone.txt![`_dmarc.${DOMAIN}`] = [`v=DMARC1; p=reject`];
    expect(byName(await report()).dmarc.status).toBe('pass');
  });

  it('answers the cached report until asked to look again', async () => {
    const before = await report();
    delete dns.zone.txt![DOMAIN];
    const cached = await report('');
    expect(cached.checkedAt).toBe(before.checkedAt);
    expect(byName(cached).spf.status).toBe('pass');
    const fresh = byName(await report());
    expect(fresh.spf.status).toBe('fail');
    expect(fresh.spf.fix).toContain('v=spf1');
    dns.zone.txt![DOMAIN] = ['v=spf1 ip4:203.0.113.7 mx ~all'];
  });

  it('refuses a request without the editor token, and a bad refresh value, with a 4xx', async () => {
    await request(t.baseUrl).get('/admin/deliverability').set('Accept', 'application/json').expect(401);
    await request(t.baseUrl)
      .get('/admin/deliverability')
      .set('Authorization', 'Bearer wrong-token-0123456789')
      .expect(401);
    await request(t.baseUrl).get('/admin/deliverability').set('Accept', 'text/html').expect(303); // a browser goes to sign in
    await request(t.baseUrl).get('/admin/deliverability?refresh=maybe').set('Authorization', t.editorAuth).expect(400);
  });

  it("groups readers' own domains with the provider hosting their mail, by MX, and counts them there", async () => {
    dns.zone.mx!['ministry.test'] = [{ exchange: 'ministry-test.mail.protection.outlook.com', priority: 0 }];
    dns.zone.mx!['school.test'] = [{ exchange: 'mail.school.test', priority: 10 }];
    const readers: Array<{ id: string }> = await t.dataSource.query(
      `INSERT INTO subscribers (email, email_key, status, frequency, topics, confirmed_at)
       VALUES ('a@ministry.test', 'a@ministry.test', 'active', 'daily', '{}', now()),
              ('b@school.test', 'b@school.test', 'active', 'daily', '{}', now())
       RETURNING id::text`,
    );
    await t.get(HostedDomains).runOnce();
    expect(
      await t.dataSource.query(
        `SELECT domain, provider, source FROM mailbox_domains WHERE domain LIKE '%.test' ORDER BY domain`,
      ),
    ).toEqual([
      { domain: 'ministry.test', provider: 'outlook', source: 'mx' },
      { domain: 'school.test', provider: 'other', source: 'mx' },
    ]);
    const edition = await insertEdition(t.dataSource, { status: 'sent' });
    const rows: Array<{ id: string }> = await t.dataSource.query(
      `INSERT INTO deliveries (edition_id, subscriber_id, segment_key, status, attempts, sent_at)
       SELECT $1, unnest($2::bigint[]), 'all', 'sent', 1, now() RETURNING id::text`,
      [edition, readers.map((r) => r.id)],
    );
    await t.get(ReputationWatch).writtenBack(rows.map((r) => ({ id: r.id, editionId: edition, status: 'sent' })));
    expect(
      await t.dataSource.query(
        `SELECT provider, delivered FROM provider_counts WHERE edition_id = $1 ORDER BY provider`,
        [edition],
      ),
    ).toEqual([
      { provider: 'other', delivered: 1 },
      { provider: 'outlook', delivered: 1 },
    ]);
  });

  describe('SPF in detail', () => {
    const checksWith = (extra: Record<string, string>) => {
      const config = loadConfig({
        VAR_DIR: dir,
        MAIL_FROM: `newsletter@${DOMAIN}`,
        DNS_SERVERS: dns.servers,
        ...env,
        ...extra,
      });
      return new DomainChecks(config, new DnsLookup(config), new Locale(config), new Clock());
    };

    it('names the SMTP relay when SPF does not cover its address, and passes when it does', async () => {
      dns.zone.a![`other-relay.${DOMAIN}`] = ['198.51.100.4'];
      const uncovered = byName(await checksWith({ SMTP_URL: `smtp://other-relay.${DOMAIN}:587` }).run()).spf;
      expect(uncovered.status).toBe('fail');
      expect(uncovered.detail).toContain('198.51.100.4');
      expect(uncovered.fix).toContain('v=spf1 ip4:203.0.113.7 mx ip4:198.51.100.4 ~all');
      const covered = byName(await checksWith({ SMTP_URL: `smtp://relay.${DOMAIN}:587` }).run()).spf;
      expect(covered).toMatchObject({ status: 'pass' });
      expect(covered.detail).toContain('203.0.113.7');
    });

    it('fails past 10 DNS lookups, and on a record that does not end in -all or ~all', async () => {
      const includes = Array.from({ length: 11 }, (_, i) => `spf${i}.${DOMAIN}`);
      for (const name of includes) {
        dns.zone.txt![name] = ['v=spf1 ip4:198.51.100.0/24 -all'];
      }
      dns.zone.txt![DOMAIN] = [`v=spf1 ${includes.map((n) => `include:${n}`).join(' ')} ~all`];
      const tooMany = byName(await checksWith({}).run()).spf;
      expect(tooMany.status).toBe('fail');
      expect(tooMany.detail).toContain('11');
      dns.zone.txt![DOMAIN] = ['v=spf1 mx +all'];
      const open = byName(await checksWith({}).run()).spf;
      expect(open.status).toBe('fail');
      expect(open.fix).toContain('v=spf1 mx ~all');
      dns.zone.txt![DOMAIN] = ['v=spf1 ip4:203.0.113.7 mx ~all'];
    });
  });
});
