import { lookup as dnsLookup, LookupAddress, LookupAllOptions, LookupOneOptions } from 'node:dns';
import { Injectable } from '@nestjs/common';
import ipaddr from 'ipaddr.js';
import { AppConfig } from '../config/app-config';
import type { FeedAllowEntry } from '../config/feed-allow-list';

/** Thrown (or handed to a socket) when a feed URL leads to an address feeds may not reach. */
export class FeedAddressRefused extends Error {
  readonly code = 'NASHRA_FEED_ADDRESS_REFUSED';
  constructor(readonly address: string) {
    super(`address refused: ${address}`);
  }
}

/** Where a URL connects: host name without brackets and port. */
export interface FeedTarget {
  hostname: string;
  port: number;
}

export function feedTarget(url: URL): FeedTarget {
  return {
    hostname: url.hostname.replace(/^\[|\]$/g, '').toLowerCase(),
    port: Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
  };
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
export type GuardedLookup = (
  hostname: string,
  options: LookupOneOptions | LookupAllOptions,
  cb: LookupCallback,
) => void;

/**
 * Which addresses feeds may reach. Only public unicast addresses (ipaddr.js's `unicast` range, IPv4-mapped
 * IPv6 judged as the IPv4 it holds): never loopback, private, link-local, unique-local, carrier-grade NAT,
 * multicast, broadcast, unspecified or the other reserved ranges, unless FEED_ALLOW_PRIVATE_HOSTS names the
 * host or a range holding the address (on any port, or on the one port the entry names). The check runs when
 * the connection is made (a DNS lookup that hands the socket only approved addresses), for the first request
 * and each redirect, so a name that resolves elsewhere on the second lookup gains nothing.
 */
@Injectable()
export class FeedAddressPolicy {
  private readonly allow: FeedAllowEntry[];

  constructor(config: AppConfig) {
    this.allow = config.feedAllowList;
  }

  /** The allow-list names this host (by name) for this port: any address it resolves to is fine. */
  allowsHost(target: FeedTarget): boolean {
    return this.allow.some((e) => e.host === target.hostname && (e.port === undefined || e.port === target.port));
  }

  admits(address: string, target: FeedTarget): boolean {
    if (!ipaddr.isValid(address)) {
      return false;
    }
    const parsed = ipaddr.process(address);
    if (parsed.range() === 'unicast') {
      return true;
    }
    return this.allow.some(
      (e) =>
        e.range !== undefined &&
        (e.port === undefined || e.port === target.port) &&
        e.range[0].kind() === parsed.kind() &&
        parsed.match(e.range),
    );
  }

  /**
   * A DNS lookup for the socket of one request: answers only with addresses this policy admits, else fails
   * with FeedAddressRefused (so no connection is opened). IP literals never reach a lookup: check them with
   * `refusedLiteral` first.
   */
  lookupFor(target: FeedTarget): GuardedLookup {
    return (hostname, options, callback) => {
      dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
        if (err) {
          callback(err, []);
          return;
        }
        const refused = addresses.find((a) => !this.admits(a.address, target));
        if (refused || addresses.length === 0) {
          callback(new FeedAddressRefused(refused?.address ?? hostname), []);
          return;
        }
        if (options.all) {
          callback(null, addresses);
        } else {
          callback(null, addresses[0].address, addresses[0].family);
        }
      });
    };
  }

  /** For a URL whose host is an IP literal: whether that address is refused. */
  refusedLiteral(target: FeedTarget): boolean {
    return ipaddr.isValid(target.hostname) && !this.allowsHost(target) && !this.admits(target.hostname, target);
  }

  /**
   * Whether a URL may be added as a feed: its host is allowed by name, or every address it resolves to (within a
   * few seconds) is admitted. An unresolvable host is refused too, with the same answer: an editor cannot tell
   * an internal name from a missing one.
   */
  async permits(url: URL): Promise<boolean> {
    const target = feedTarget(url);
    if (this.allowsHost(target)) {
      return true;
    }
    if (ipaddr.isValid(target.hostname)) {
      return this.admits(target.hostname, target);
    }
    const addresses = await new Promise<LookupAddress[]>((resolve) => {
      const timer = setTimeout(() => resolve([]), 5000);
      dnsLookup(target.hostname, { all: true }, (err, found) => {
        clearTimeout(timer);
        resolve(err ? [] : found);
      });
    });
    return addresses.length > 0 && addresses.every((a) => this.admits(a.address, target));
  }
}
