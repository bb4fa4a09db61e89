import type { AppConfig } from '../config/app-config';
import { parseFeedAllowList } from '../config/feed-allow-list';
import { FeedAddressPolicy, feedTarget } from './feed-address-policy';

const policy = (allow = '') => new FeedAddressPolicy({ feedAllowList: parseFeedAllowList(allow)! } as AppConfig);
const at = (url: string) => feedTarget(new URL(url));

describe('FeedAddressPolicy', () => {
  it('admits public unicast addresses only', () => {
    const p = policy();
    const target = at('https://feeds.example.net/rss');
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700::6810:85e5', '::ffff:93.184.216.34']) {
      expect({ address, admitted: p.admits(address, target) }).toEqual({ address, admitted: true });
    }
    for (const address of [
      '127.0.0.1',
      '127.8.9.10',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '255.255.255.255',
      '224.0.0.1',
      '::1',
      '::',
      'fe80::1',
      'fd12:3456::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      '2002:7f00:1::1', // 6to4 around 127.0.0.1
      '64:ff9b::7f00:1', // NAT64 around 127.0.0.1
      'not-an-address',
    ]) {
      expect({ address, admitted: p.admits(address, target) }).toEqual({ address, admitted: false });
    }
  });

  it('admits what FEED_ALLOW_PRIVATE_HOSTS names, on its port when it gives one', () => {
    const p = policy('10.0.5.0/24, 127.0.0.1:8080, feeds.internal');
    expect(p.admits('10.0.5.7', at('http://10.0.5.7/feed'))).toBe(true);
    expect(p.admits('10.0.6.7', at('http://10.0.6.7/feed'))).toBe(false);
    expect(p.admits('127.0.0.1', at('http://127.0.0.1:8080/feed'))).toBe(true);
    expect(p.admits('127.0.0.1', at('http://127.0.0.1:8081/feed'))).toBe(false);
    expect(p.refusedLiteral(at('http://127.0.0.1:8081/feed'))).toBe(true);
    expect(p.refusedLiteral(at('http://[::ffff:127.0.0.1]:8080/feed'))).toBe(false);
    expect(p.allowsHost(at('http://FEEDS.internal/rss'))).toBe(true);
    expect(p.allowsHost(at('http://other.internal/rss'))).toBe(false);
  });
});
