import { providerByMx } from './hosted-domains';

describe('providerByMx', () => {
  it('groups a domain with the provider whose mail exchangers receive its mail', () => {
    expect(providerByMx(['aspmx.l.google.com', 'alt1.aspmx.l.google.com'])).toBe('gmail');
    expect(providerByMx(['ministry-gov-iq.mail.protection.outlook.com.'])).toBe('outlook');
    expect(providerByMx(['mta5.am0.yahoodns.net'])).toBe('yahoo');
    expect(providerByMx(['mx01.mail.icloud.com'])).toBe('icloud');
  });

  it('leaves any other host, and a look-alike name, with other domains', () => {
    expect(providerByMx(['mail.alhal.net'])).toBe('other');
    expect(providerByMx(['google.com.evil.example'])).toBe('other');
    expect(providerByMx(['notgoogle.com'])).toBe('other');
    expect(providerByMx([])).toBe('other');
  });
});
