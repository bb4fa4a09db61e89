import { mailgunEvent } from '../../../test/fixtures/bounces/provider-payloads';
import { LateReportPayloadError } from './late-report';
import { mailgunSignature, mailgunSigned, parseMailgunWebhook } from './mailgun-webhook';

const MID = '<6f1d2c3b4a5948e79c0d1e2f3a4b5c6d@nashra.example>';
const KEY = 'mailgun-signing-key-0123456789abcdef';

describe('parseMailgunWebhook', () => {
  it('failed/permanent is hard, failed/temporary soft, complained a complaint; Message-ID gets its brackets', () => {
    expect(parseMailgunWebhook(mailgunEvent('failed', 'sami@example.org', MID, 'permanent')).reports).toEqual([
      { kind: 'hard', email: 'sami@example.org', messageId: MID },
    ]);
    expect(parseMailgunWebhook(mailgunEvent('failed', 'noor@example.com', MID, 'temporary')).reports[0].kind).toBe(
      'soft',
    );
    expect(parseMailgunWebhook(mailgunEvent('complained', 'layla@example.net', MID)).reports[0].kind).toBe('complaint');
    expect(parseMailgunWebhook(mailgunEvent('delivered', 'layla@example.net', MID)).reports).toEqual([]);
  });

  it('refuses a failure without severity or recipient', () => {
    const body = mailgunEvent('failed', 'sami@example.org', MID);
    delete (body['event-data'] as Record<string, unknown>).severity;
    expect(() => parseMailgunWebhook(body)).toThrow(/severity/);
    expect(() => parseMailgunWebhook({ 'event-data': { event: 'failed', severity: 'permanent' } })).toThrow(
      LateReportPayloadError,
    );
  });
});

describe('mailgunSigned', () => {
  const now = new Date('2026-12-05T06:02:14Z');
  const signed = (timestamp: string) => ({
    signature: { timestamp, token: 'a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0', signature: '' },
  });
  const sign = (body: ReturnType<typeof signed>, key = KEY) => {
    body.signature.signature = mailgunSignature(key, body.signature.timestamp, body.signature.token);
    return body;
  };
  const ts = String(Math.floor(now.getTime() / 1000));

  it('accepts Mailgun’s HMAC of timestamp and token with the signing key: the token, good for 15 minutes', () => {
    expect(mailgunSigned(sign(signed(ts)), KEY, now)).toEqual({
      token: 'a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0',
      expiresAt: new Date('2026-12-05T06:17:14Z'),
    });
  });

  it('refuses another key, a changed token, a stale timestamp, or no signature', () => {
    expect(mailgunSigned(sign(signed(ts), 'another-key-0123456789abcdef'), KEY, now)).toBeNull();
    const changed = sign(signed(ts));
    changed.signature.token = 'b' + changed.signature.token.slice(1);
    expect(mailgunSigned(changed, KEY, now)).toBeNull();
    expect(mailgunSigned(sign(signed(String(Number(ts) - 3600))), KEY, now)).toBeNull();
    expect(mailgunSigned({}, KEY, now)).toBeNull();
  });
});
