import { detectColumns, readRow } from './csv-columns';

describe('detectColumns', () => {
  it('finds the email column by name in any case, and tells the tool by its other columns', () => {
    expect(detectColumns(['Email Address', 'First Name', 'OPTIN_TIME', 'CONFIRM_TIME'])).toMatchObject({
      format: 'mailchimp',
      email: 0,
      optinTime: 2,
      confirmTime: 3,
    });
    expect(detectColumns(['uuid', 'EMAIL', 'name', 'attributes', 'status'])).toMatchObject({
      format: 'listmonk',
      email: 1,
      status: 4,
    });
    expect(detectColumns(['email', 'active_subscription', 'created_at'])).toMatchObject({ format: 'substack' });
    expect(detectColumns([' E-mail ', 'Frequency'])).toMatchObject({ format: 'plain', email: 0, frequency: 1 });
  });

  it('takes a first line that is an address as data (a bare list), and gives up without any email column', () => {
    expect(detectColumns(['reader@example.net', 'weekly'])).toMatchObject({ hasHeader: false, email: 0, frequency: 1 });
    expect(detectColumns(['name', 'city'])).toBeNull();
  });
});

describe('readRow', () => {
  const plain = detectColumns(['email', 'frequency'])!;

  it('reads a good row, normalising the address and the frequency (Arabic words too)', () => {
    expect(readRow([' Reader@Example.NET ', 'أسبوعي'], plain)).toMatchObject({
      ok: true,
      address: { email: 'Reader@example.net', key: 'reader@example.net' },
      frequency: 'weekly',
    });
    expect(readRow(['reader@example.net', ''], plain)).toMatchObject({ ok: true, frequency: null });
  });

  it('refuses a bad address, a wrong column count and an unknown frequency, saying why in Arabic', () => {
    expect(readRow(['not-an-address', 'daily'], plain)).toEqual({ ok: false, reason: 'عنوان بريد غير صالح' });
    expect(readRow(['a@example.net', 'daily', 'x'], plain)).toMatchObject({ ok: false, reason: /عدد الأعمدة 3/ });
    expect(readRow(['a@example.net', 'monthly'], plain)).toMatchObject({ ok: false, reason: /تكرار غير معروف/ });
  });

  it('reads consent evidence: Mailchimp CONFIRM_TIME, listmonk confirmed; listmonk blocklisted is refused by source', () => {
    const mc = detectColumns(['Email Address', 'OPTIN_TIME', 'CONFIRM_TIME'])!;
    expect(readRow(['a@example.net', '2024-01-01 10:00:00', '2024-01-01 10:05:00'], mc)).toMatchObject({
      confirmedAt: '2024-01-01 10:05:00',
      optinAt: '2024-01-01 10:00:00',
    });
    expect(readRow(['a@example.net', '2024-01-01 10:00:00', ''], mc)).toMatchObject({ confirmedAt: null });
    const lm = detectColumns(['email', 'name', 'attributes', 'subscription_status'])!;
    expect(readRow(['a@example.net', 'A', '{}', 'confirmed'], lm)).toMatchObject({
      confirmedAt: 'listmonk: confirmed',
    });
    expect(readRow(['a@example.net', 'A', '{}', 'blocklisted'], lm)).toMatchObject({ refusedBySource: true });
  });
});

describe('a newsletters column', () => {
  const map = detectColumns(['email', 'Newsletters'])!;

  it('is found by name and read as slugs, whatever separates them', () => {
    expect(map.newsletters).toBe(1);
    expect(detectColumns(['البريد الإلكتروني', 'النشرات'])!.newsletters).toBe(1);
    expect(readRow(['a@example.net', 'Weekly; breaking|daily'], map)).toMatchObject({
      ok: true,
      newsletters: ['breaking', 'daily', 'weekly'],
    });
    expect(readRow(['a@example.net', 'economy، breaking, economy'], map)).toMatchObject({
      newsletters: ['breaking', 'economy'],
    });
    expect(readRow(['a@example.net', ''], map)).toMatchObject({ ok: true, newsletters: [] });
  });

  it('refuses a row whose cell is not slugs', () => {
    expect(readRow(['a@example.net', 'daily, نشرة'], map)).toEqual({ ok: false, reason: 'معرّف نشرة غير صالح: نشرة' });
  });
});
