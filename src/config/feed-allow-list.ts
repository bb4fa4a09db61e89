import ipaddr from 'ipaddr.js';

/** One FEED_ALLOW_PRIVATE_HOSTS entry: a host name or an address range, on any port or on one. */
export interface FeedAllowEntry {
  /** Lower-case host name as written in feed URLs (`feeds.internal`, `localhost`). */
  host?: string;
  /** An address range (a single address is a /32 or /128). */
  range?: [ipaddr.IPv4 | ipaddr.IPv6, number];
  /** Only this port, when the entry names one (`127.0.0.1:8080`, `[::1]:8080`, `feeds.internal:8080`). */
  port?: number;
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/**
 * FEED_ALLOW_PRIVATE_HOSTS: comma-separated host names, addresses and CIDR ranges, each optionally with
 * `:port` (IPv6 in brackets then), that feeds may reach although they are not public addresses. Empty: none.
 * null when an entry is not valid.
 */
export function parseFeedAllowList(value: string | undefined): FeedAllowEntry[] | null {
  const entries: FeedAllowEntry[] = [];
  for (const raw of (value ?? '').split(',').map((e) => e.trim())) {
    if (!raw) {
      continue;
    }
    const entry = parseEntry(raw);
    if (!entry) {
      return null;
    }
    entries.push(entry);
  }
  return entries;
}

function parseEntry(raw: string): FeedAllowEntry | null {
  if (raw.includes('/')) {
    try {
      return { range: ipaddr.parseCIDR(raw) };
    } catch {
      return null;
    }
  }
  let host = raw;
  let port: number | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(raw);
  const withPort = /^([^:]+):(\d{1,5})$/.exec(raw);
  if (bracketed) {
    host = bracketed[1];
    port = bracketed[2] ? Number(bracketed[2]) : undefined;
    if (!ipaddr.IPv6.isValid(host)) {
      return null;
    }
  } else if (withPort) {
    host = withPort[1];
    port = Number(withPort[2]);
  }
  if (port !== undefined && (port < 1 || port > 65535)) {
    return null;
  }
  if (ipaddr.isValid(host)) {
    const address = ipaddr.parse(host);
    return { range: [address, address.kind() === 'ipv4' ? 32 : 128], port };
  }
  return HOST_NAME.test(host) ? { host: host.toLowerCase(), port } : null;
}
