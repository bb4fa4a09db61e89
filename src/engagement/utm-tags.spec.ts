import { withUtm } from './utm-tags';

const tags = { source: 'nashra', campaign: 'daily-2026-11-25' };

describe('withUtm', () => {
  it('adds the three tags to a URL without a query', () => {
    expect(withUtm('https://www.example.net/a/1', tags)).toBe(
      'https://www.example.net/a/1?utm_source=nashra&utm_medium=email&utm_campaign=daily-2026-11-25',
    );
  });

  it('keeps an existing query (as written) and the fragment', () => {
    expect(withUtm('https://x.test/p?id=5&q=a%20b+c#part-2', tags)).toBe(
      'https://x.test/p?id=5&q=a%20b+c&utm_source=nashra&utm_medium=email&utm_campaign=daily-2026-11-25#part-2',
    );
  });

  it('leaves tags the site already set alone', () => {
    expect(withUtm('https://x.test/p?utm_source=site', tags)).toBe(
      'https://x.test/p?utm_source=site&utm_medium=email&utm_campaign=daily-2026-11-25',
    );
  });

  it('changes nothing when tags are off or the link is not http(s)', () => {
    expect(withUtm('https://x.test/p', null)).toBe('https://x.test/p');
    expect(withUtm('mailto:a@b.test', tags)).toBe('mailto:a@b.test');
  });
});
