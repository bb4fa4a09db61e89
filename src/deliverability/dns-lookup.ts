import { Resolver } from 'node:dns/promises';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';

/** Names reserved by RFC 2606 and RFC 6761: they have no public records, so the system's resolver is never asked. */
const RESERVED = /(^|\.)(localhost|test|invalid|example|local)$/i;

/** DNS error codes that mean "no such record", as opposed to "could not ask". */
const NO_RECORD = new Set(['ENOTFOUND', 'ENODATA', 'ENONAME', 'NXDOMAIN']);

export function isNoRecord(err: unknown): boolean {
  return NO_RECORD.has((err as { code?: string }).code ?? '');
}

/**
 * The one DNS resolver of the deliverability checks: the servers of DNS_SERVERS when set (split-horizon
 * networks, tests), else the system's. `resolve` has the shape mailauth takes as its `resolver` option.
 */
@Injectable()
export class DnsLookup {
  private readonly resolver = new Resolver({ timeout: 2000, tries: 2 });
  readonly customServers: boolean;

  constructor(config: AppConfig) {
    const servers = config.deliverability.dnsServers;
    this.customServers = servers !== null;
    if (servers) {
      this.resolver.setServers(servers);
    }
  }

  /** False for reserved names (newsletter@localhost, *.test) unless DNS_SERVERS names servers that may know them. */
  canLookUp(domain: string): boolean {
    return this.customServers || !RESERVED.test(domain);
  }

  readonly resolve = (name: string, rrtype: string): Promise<any> => this.resolver.resolve(name, rrtype);

  /** TXT records of a name, each joined from its strings; [] when the name has none. */
  async txt(name: string): Promise<string[]> {
    try {
      const rows = await this.resolver.resolveTxt(name);
      return rows.map((parts) => parts.join(''));
    } catch (err) {
      if (isNoRecord(err)) {
        return [];
      }
      throw err;
    }
  }

  async mx(name: string): Promise<{ exchange: string; priority: number }[]> {
    try {
      return await this.resolver.resolveMx(name);
    } catch (err) {
      if (isNoRecord(err)) {
        return [];
      }
      throw err;
    }
  }

  async ipv4(name: string): Promise<string[]> {
    try {
      return await this.resolver.resolve4(name);
    } catch (err) {
      if (isNoRecord(err)) {
        return [];
      }
      throw err;
    }
  }
}
