import { parseFeedAllowList } from './feed-allow-list';

describe('parseFeedAllowList', () => {
  it('reads host names, addresses and ranges, each with or without a port', () => {
    const entries = parseFeedAllowList('feeds.internal, 10.0.5.0/24,127.0.0.1:8080,[::1]:9000,fd00::/8,Intranet:81');
    expect(entries?.map((e) => ({ host: e.host, range: e.range?.map(String), port: e.port }))).toEqual([
      { host: 'feeds.internal', range: undefined, port: undefined },
      { host: undefined, range: ['10.0.5.0', '24'], port: undefined },
      { host: undefined, range: ['127.0.0.1', '32'], port: 8080 },
      { host: undefined, range: ['::1', '128'], port: 9000 },
      { host: undefined, range: ['fd00::', '8'], port: undefined },
      { host: 'intranet', range: undefined, port: 81 },
    ]);
  });

  it('is empty when unset and null on anything else', () => {
    expect(parseFeedAllowList(undefined)).toEqual([]);
    expect(parseFeedAllowList(' , ')).toEqual([]);
    for (const bad of ['10.0.0.0/33', 'http://x', 'a b', 'host:0', 'host:99999', '[zz]:1', '-x.example']) {
      expect({ bad, parsed: parseFeedAllowList(bad) }).toEqual({ bad, parsed: null });
    }
  });
});
