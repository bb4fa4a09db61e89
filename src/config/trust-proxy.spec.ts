import { loadConfig } from './app-config';
import { parseTrustProxy } from './trust-proxy';

describe('TRUST_PROXY', () => {
  it('trusts no proxy unless told to', () => {
    expect(parseTrustProxy(undefined)).toBe(false);
    expect(parseTrustProxy('')).toBe(false);
  });

  it('reads a hop count, or addresses, CIDR ranges and the names Express knows', () => {
    expect(parseTrustProxy('1')).toBe(1);
    expect(parseTrustProxy('loopback, 10.0.0.0/8,192.168.1.4, fd00::/8')).toEqual([
      'loopback',
      '10.0.0.0/8',
      '192.168.1.4',
      'fd00::/8',
    ]);
  });

  it('stops start-up on anything else, naming the variable', () => {
    for (const bad of ['*', 'true', '10.0.0.0/33', 'proxy.example.net', '1.2.3.4/8/1', ',']) {
      expect(parseTrustProxy(bad)).toBeNull();
      expect(() =>
        loadConfig({ NODE_ENV: 'test', SECRET_KEY: 'k'.repeat(32), EDITOR_TOKEN: 't'.repeat(16), TRUST_PROXY: bad }),
      ).toThrow(/TRUST_PROXY must be a number of proxy hops/);
    }
  });
});
