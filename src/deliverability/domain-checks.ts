import { createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { Injectable } from '@nestjs/common';
import { spf } from 'mailauth/lib/spf';
import { resolvePolicy } from 'mailauth/lib/mta-sts';
import { getDomain } from 'tldts';
import { Clock } from '../common/clock';
import { errorMessage } from '../common/error-message';
import { Locale } from '../common/locale';
import { AppConfig } from '../config/app-config';
import { DnsLookup } from './dns-lookup';

// mailauth's DMARC record lookup (the one its verifier uses, organisational-domain fallback included) has no
// typings of its own.
const getDmarcRecord = require('mailauth/lib/dmarc/get-dmarc-record') as (
  domain: string,
  resolver: DnsLookup['resolve'],
) => Promise<false | { p?: string; pct?: number; rr: string; isOrgRecord: boolean }>;

export type CheckStatus = 'pass' | 'warn' | 'fail';
export type CheckName = 'spf' | 'dkim' | 'dmarc' | 'mx' | 'mta-sts' | 'bimi';

/** One answer to "is the domain ready?": what was found (`detail`) and, unless it passes, what to publish (`fix`). */
export interface DomainCheck {
  name: CheckName;
  status: CheckStatus;
  detail: string;
  fix: string | null;
  /** The record of `fix` on its own, to copy into the DNS zone; absent when the fix is not one record. */
  record?: { name: string; type: 'TXT'; value: string };
  /**
   * For the administrator who runs nashra, when the fix is in its settings rather than in DNS: the environment
   * variables to set (`NAME=value`, or a bare name), a command to run, the error met. The Arabic `detail` and
   * `fix` never name a variable: editors read them.
   */
  admin?: AdminHint;
}

export interface AdminHint {
  settings: string[];
  command?: string;
  error?: string;
}

export interface DomainReport {
  domain: string;
  checkedAt: string;
  checks: DomainCheck[];
}

/** SPF allows 10 DNS-querying terms (RFC 7208 §4.6.4); beyond that receivers answer permerror. */
const SPF_LOOKUP_LIMIT = 10;
/** An address of TEST-NET-1 (RFC 5737): matches no real SPF term, so evaluating it walks the whole record. */
const NOBODY = '192.0.2.1';
const ARABIC = /\p{Script=Arabic}/u;
const PRIVATE_V4 = /^(127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|169\.254\.)/;

/**
 * The DNS checks of MAIL_FROM's domain: SPF, DKIM, DMARC, MX, and the optional MTA-STS and BIMI. Each check
 * explains in Arabic what it found and the exact record to publish. mailauth evaluates SPF (lookup count, the
 * relay's address) and finds the DMARC record; every query goes through DnsLookup (DNS_SERVERS).
 */
@Injectable()
export class DomainChecks {
  constructor(
    private readonly config: AppConfig,
    private readonly dns: DnsLookup,
    private readonly locale: Locale,
    private readonly clock: Clock,
  ) {}

  get domain(): string {
    return this.config.mailDomain;
  }

  async run(): Promise<DomainReport> {
    const domain = this.domain;
    const checkedAt = this.clock.now().toISOString();
    if (!this.dns.canLookUp(domain)) {
      const detail = this.t('reserved', { domain });
      const checks = (['spf', 'dkim', 'dmarc', 'mx'] as const).map((name): DomainCheck => ({
        name,
        status: 'warn',
        detail,
        fix: null,
        admin: { settings: ['MAIL_FROM', 'DNS_SERVERS'] },
      }));
      return { domain, checkedAt, checks };
    }
    const checks = await Promise.all([
      this.guard('spf', () => this.spf(domain)),
      this.guard('dkim', () => this.dkim(domain)),
      this.guard('dmarc', () => this.dmarc(domain)),
      this.guard('mx', () => this.mx(domain)),
      this.guard('mta-sts', () => this.mtaSts(domain)),
      this.guard('bimi', () => this.bimi(domain)),
    ]);
    return { domain, checkedAt, checks };
  }

  /** A resolver that cannot be asked (timeout, refused) is a warning, not a verdict on the domain. */
  private async guard(name: CheckName, check: () => Promise<Omit<DomainCheck, 'name'>>): Promise<DomainCheck> {
    try {
      return { name, ...(await check()) };
    } catch (err) {
      return { name, status: 'warn', detail: this.t('dnsError', { error: errorMessage(err) }), fix: null };
    }
  }

  private async spf(domain: string): Promise<Omit<DomainCheck, 'name'>> {
    const records = (await this.dns.txt(domain)).filter((r) => /^v=spf1(\s|$)/i.test(r.trim()));
    const relay = await this.relayAddress();
    const relayTerm = relay ? `ip4:${relay.ip}` : 'mx';
    if (records.length === 0) {
      return this.failure('spf.missing', { domain }, 'spf.publish', { domain, record: `v=spf1 ${relayTerm} ~all` });
    }
    if (records.length > 1) {
      return this.failure('spf.several', { domain, count: records.length }, 'spf.publishOne', {
        domain,
        record: mergeSpf(records),
      });
    }
    const record = records[0].trim().replace(/\s+/g, ' ');
    const evaluate = (ip: string) =>
      spf({
        sender: `postmaster@${domain}`,
        ip,
        helo: domain,
        mta: 'nashra',
        resolver: this.dns.resolve,
        maxResolveCount: 50,
      } as never);
    const walked = (await evaluate(NOBODY)) as {
      status: { result: string; comment?: string };
      lookups?: { count: number };
    };
    const lookups = walked.lookups?.count ?? 0;
    if (walked.status.result === 'permerror') {
      return this.failure('spf.invalid', { record, error: walked.status.comment ?? '' }, 'spf.publish', {
        domain,
        record: `v=spf1 ${relayTerm} ~all`,
      });
    }
    if (lookups > SPF_LOOKUP_LIMIT) {
      return this.failure('spf.lookups', { count: lookups, limit: SPF_LOOKUP_LIMIT }, 'spf.flatten', {
        domain,
        record,
      });
    }
    const ending = /\s([-~?+]?all)$/i.exec(record)?.[1].toLowerCase();
    if (ending !== '-all' && ending !== '~all' && !/\sredirect=/i.test(record)) {
      const fixed = `${record.replace(/\s[-~?+]?all$/i, '')} ~all`;
      const status: CheckStatus = ending === '+all' || ending === 'all' ? 'fail' : 'warn';
      return {
        status,
        detail: this.t('spf.ending', { ending: ending ?? '—' }),
        ...this.publishing('spf.publish', { domain, record: fixed }),
      };
    }
    if (relay) {
      const relayResult = (await evaluate(relay.ip)) as { status: { result: string } };
      if (relayResult.status.result !== 'pass') {
        const fixed = record.replace(/\s(?=[-~?+]?all$|redirect=)/i, ` ip4:${relay.ip} `);
        return this.failure('spf.relay', { host: relay.host, ip: relay.ip }, 'spf.publish', { domain, record: fixed });
      }
    }
    const relayNote = relay
      ? this.t('spf.relayCovered', { host: relay.host, ip: relay.ip })
      : this.config.mail.smtpUrl
        ? this.t('spf.relayUnknown')
        : '.';
    return {
      status: 'pass',
      detail: this.t('spf.pass', { record, count: lookups, limit: SPF_LOOKUP_LIMIT, relay: relayNote }),
      fix: null,
    };
  }

  /** The public address of SMTP_URL's host, when it has one: a relay on this machine or the LAN says nothing. */
  private async relayAddress(): Promise<{ host: string; ip: string } | null> {
    if (!this.config.mail.smtpUrl) {
      return null;
    }
    const host = new URL(this.config.mail.smtpUrl).hostname.replace(/^\[|\]$/g, '');
    let ip: string | undefined;
    if (isIP(host) === 4) {
      ip = host;
    } else if (isIP(host) === 0 && this.dns.canLookUp(host)) {
      ip = (await this.dns.ipv4(host).catch(() => []))[0];
    }
    return ip && !PRIVATE_V4.test(ip) ? { host, ip } : null;
  }

  private async dkim(domain: string): Promise<Omit<DomainCheck, 'name'>> {
    const { domain: DKIM_DOMAIN, selector: DKIM_SELECTOR, privateKeyFile: DKIM_PRIVATE_KEY_FILE } = this.config.dkim;
    const setUp: AdminHint = {
      command: 'openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out dkim.pem',
      settings: [`DKIM_DOMAIN=${domain}`, 'DKIM_SELECTOR=nashra', 'DKIM_PRIVATE_KEY_FILE=dkim.pem'],
    };
    if (!DKIM_DOMAIN || !DKIM_SELECTOR || !DKIM_PRIVATE_KEY_FILE) {
      return { ...this.failure('dkim.unsigned', {}, 'dkim.setUp', {}), admin: setUp };
    }
    let ours: { k: string; p: string; spki: Buffer };
    try {
      ours = publicKeyOf(createPrivateKey(readFileSync(DKIM_PRIVATE_KEY_FILE, 'utf8')));
    } catch (err) {
      return {
        ...this.failure('dkim.keyFile', {}, 'dkim.setUp', {}),
        admin: { ...setUp, settings: ['DKIM_PRIVATE_KEY_FILE'], error: errorMessage(err) },
      };
    }
    const name = `${DKIM_SELECTOR}._domainkey.${DKIM_DOMAIN}`;
    const record = `v=DKIM1; k=${ours.k}; p=${ours.p}`;
    const publish = { name, record };
    const aligned = organisation(DKIM_DOMAIN) === organisation(domain);
    if (!aligned) {
      return {
        ...this.failure('dkim.unaligned', { signing: `d=${DKIM_DOMAIN}`, domain }, 'dkim.align', { domain }),
        admin: { settings: [`DKIM_DOMAIN=${domain}`] },
      };
    }
    const published = (await this.dns.txt(name)).map(tags).find((t) => t.p !== undefined);
    if (!published) {
      return this.failure('dkim.missing', { name }, 'dkim.publish', publish);
    }
    if (!samePublicKey(published.p ?? '', ours)) {
      return {
        ...this.failure('dkim.mismatch', { name }, 'dkim.publish', publish),
        admin: { settings: ['DKIM_PRIVATE_KEY_FILE'] },
      };
    }
    return { status: 'pass', detail: this.t('dkim.pass', { name, signing: `d=${DKIM_DOMAIN}`, domain }), fix: null };
  }

  private async dmarc(domain: string): Promise<Omit<DomainCheck, 'name'>> {
    const found = await getDmarcRecord(domain, this.dns.resolve);
    const suggested = `v=DMARC1; p=quarantine; rua=mailto:dmarc@${domain}`;
    if (!found) {
      return this.failure('dmarc.missing', { domain }, 'dmarc.publish', {
        name: `_dmarc.${domain}`,
        record: suggested,
      });
    }
    const policy = String(found.p ?? '').toLowerCase();
    if (policy === 'quarantine' || policy === 'reject') {
      const pct = typeof found.pct === 'number' && found.pct < 100 ? this.t('dmarc.pct', { pct: found.pct }) : '';
      return {
        status: 'pass',
        detail: this.t('dmarc.pass', { record: found.rr, policy: `p=${policy}`, pct }),
        fix: null,
      };
    }
    const stricter = /\bp=\s*\w*/i.test(found.rr) ? found.rr.replace(/\bp=\s*\w*/i, 'p=quarantine') : suggested;
    if (policy === 'none') {
      return {
        status: 'warn',
        detail: this.t('dmarc.none', { record: found.rr }),
        ...this.publishing('dmarc.publish', { name: `_dmarc.${domain}`, record: stricter }),
      };
    }
    return this.failure('dmarc.invalid', { record: found.rr }, 'dmarc.publish', {
      name: `_dmarc.${domain}`,
      record: suggested,
    });
  }

  private async mx(domain: string): Promise<Omit<DomainCheck, 'name'>> {
    const hosts = (await this.dns.mx(domain)).sort((a, b) => a.priority - b.priority);
    if (hosts.length === 0) {
      return this.failure('mx.missing', { domain }, 'mx.publish', {
        domain,
        example: `${domain} MX 10 mail.${domain}`,
      });
    }
    const list = hosts.map((h) => `${h.priority} ${h.exchange}`).join('، ');
    return { status: 'pass', detail: this.t('mx.pass', { domain, hosts: list }), fix: null };
  }

  private async mtaSts(domain: string): Promise<Omit<DomainCheck, 'name'>> {
    const id = await resolvePolicy(domain, { resolver: this.dns.resolve } as never);
    if (!id) {
      return {
        status: 'warn',
        detail: this.t('mtaSts.missing', { domain }),
        ...this.publishing('mtaSts.publish', {
          name: `_mta-sts.${domain}`,
          record: `v=STSv1; id=${this.clock.now().toISOString().slice(0, 10).replace(/-/g, '')}`,
          url: `https://mta-sts.${domain}/.well-known/mta-sts.txt`,
        }),
      };
    }
    return { status: 'pass', detail: this.t('mtaSts.pass', { domain, id: `id=${id}` }), fix: null };
  }

  private async bimi(domain: string): Promise<Omit<DomainCheck, 'name'>> {
    const name = `default._bimi.${domain}`;
    const record = (await this.dns.txt(name)).find((r) => /^v=BIMI1(;|\s|$)/i.test(r.trim()));
    if (!record) {
      return {
        status: 'warn',
        detail: this.t('bimi.missing', { name }),
        ...this.publishing('bimi.publish', { name, record: `v=BIMI1; l=https://${domain}/bimi.svg` }),
      };
    }
    return { status: 'pass', detail: this.t('bimi.pass', { name, record }), fix: null };
  }

  private failure(
    detailKey: string,
    detailVars: Record<string, string | number>,
    fixKey: string,
    fixVars: Record<string, string | number>,
  ): Omit<DomainCheck, 'name'> {
    return { status: 'fail', detail: this.t(detailKey, detailVars), ...this.publishing(fixKey, fixVars) };
  }

  /** The Arabic fix, and when it publishes one TXT record, that record apart. */
  private publishing(fixKey: string, vars: Record<string, string | number>): Pick<DomainCheck, 'fix' | 'record'> {
    const fix = this.t(fixKey, vars);
    if (typeof vars.record !== 'string' || !/\.publish(One)?$/.test(fixKey)) {
      return { fix };
    }
    const name = String(vars.name ?? vars.domain);
    return { fix, record: { name, type: 'TXT', value: vars.record } };
  }

  /**
   * The Arabic sentence, each left-to-right value in it (a record, a host, an address, an error) isolated whole
   * (LRI … PDI) so its spaces and punctuation keep their order inside the right-to-left text.
   */
  private t(key: string, vars: Record<string, string | number> = {}): string {
    const isolated = Object.fromEntries(
      Object.entries(vars).map(([k, v]) => [k, typeof v === 'string' && v && !ARABIC.test(v) ? `\u2066${v}\u2069` : v]),
    );
    return this.locale.t(`deliverability.checks.${key}`, isolated);
  }
}

/** The organisational domain (RFC 7489 §3.2), which relaxed DKIM alignment compares. */
export function organisation(domain: string): string {
  const name = domain.toLowerCase().replace(/\.$/, '');
  return getDomain(name, { allowPrivateDomains: true }) ?? name;
}

/** The `p=` of a DKIM record for a key, as RFC 6376 (RSA, SubjectPublicKeyInfo) and RFC 8463 (Ed25519, raw) want it. */
export function publicKeyOf(key: KeyObject): { k: string; p: string; spki: Buffer } {
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  if (key.asymmetricKeyType === 'ed25519') {
    return { k: 'ed25519', p: spki.subarray(-32).toString('base64'), spki };
  }
  return { k: 'rsa', p: spki.toString('base64'), spki };
}

/** Whether a published `p=` is our key (RSA keys are sometimes published in PKCS#1 form). */
function samePublicKey(published: string, ours: { k: string; p: string; spki: Buffer }): boolean {
  const p = published.replace(/\s+/g, '');
  if (p === ours.p) {
    return true;
  }
  if (ours.k !== 'rsa' || p.length === 0) {
    return false;
  }
  for (const type of ['spki', 'pkcs1'] as const) {
    try {
      const key = createPublicKey({ key: Buffer.from(p, 'base64'), format: 'der', type });
      return key.export({ format: 'der', type: 'spki' }).equals(ours.spki);
    } catch {
      // not this form; try the next
    }
  }
  return false;
}

function tags(record: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of record.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) {
      out[part.slice(0, at).trim().toLowerCase()] = part.slice(at + 1).trim();
    }
  }
  return out;
}

/** One SPF record holding every term of several (which receivers reject as permerror). */
function mergeSpf(records: string[]): string {
  const terms = new Set<string>();
  for (const record of records) {
    for (const term of record.trim().split(/\s+/).slice(1)) {
      if (!/^[-~?+]?all$/i.test(term)) {
        terms.add(term);
      }
    }
  }
  return `v=spf1 ${[...terms].join(' ')} ~all`;
}
