import { isIP } from 'node:net';

const NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * TRUST_PROXY as Express's `trust proxy` setting: a whole number of hops, or a list of proxy addresses,
 * CIDR ranges and the names loopback, linklocal, uniquelocal. Unset means no proxy is trusted, so
 * `X-Forwarded-For` is ignored and `req.ip` is the connecting address. null when the value is invalid.
 */
export function parseTrustProxy(value: string | undefined): false | number | string[] | null {
  if (value === undefined || value.trim() === '') {
    return false;
  }
  if (/^\d{1,2}$/.test(value.trim())) {
    return Number(value.trim());
  }
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const valid = entries.every((entry) => {
    if (NAMES.has(entry)) {
      return true;
    }
    const [address, bits, ...rest] = entry.split('/');
    const family = isIP(address);
    if (family === 0 || rest.length > 0) {
      return false;
    }
    return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
  });
  return entries.length > 0 && valid ? entries : null;
}
