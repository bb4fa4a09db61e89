import { postmarkBounce, postmarkSpamComplaint } from '../../../test/fixtures/bounces/provider-payloads';
import { LateReportPayloadError } from './late-report';
import { parsePostmarkWebhook } from './postmark-webhook';

describe('parsePostmarkWebhook', () => {
  it('HardBounce is hard, SoftBounce and Transient soft, SpamComplaint a complaint', () => {
    const kinds = [
      postmarkBounce('a@example.org', 'HardBounce', 1),
      postmarkBounce('a@example.org', 'SoftBounce', 4096),
      postmarkBounce('a@example.org', 'Transient', 2),
      postmarkSpamComplaint('a@example.org'),
    ].map((body) => parsePostmarkWebhook(body).reports.map((r) => r.kind));
    expect(kinds).toEqual([['hard'], ['soft'], ['soft'], ['complaint']]);
    // Postmark's MessageID is its own id, not our Message-ID header.
    expect(parsePostmarkWebhook(postmarkBounce('a@example.org')).reports[0]).toEqual({
      kind: 'hard',
      email: 'a@example.org',
      messageId: null,
    });
  });

  it('auto-replies and other record types change nothing', () => {
    expect(parsePostmarkWebhook(postmarkBounce('a@example.org', 'AutoResponder', 32)).reports).toEqual([]);
    expect(parsePostmarkWebhook({ RecordType: 'Delivery', Recipient: 'a@example.org' }).reports).toEqual([]);
  });

  it('refuses a record without a usable address', () => {
    expect(() => parsePostmarkWebhook({ ...postmarkBounce('a@example.org'), Email: 'nobody' })).toThrow(
      LateReportPayloadError,
    );
    expect(() => parsePostmarkWebhook([])).toThrow(LateReportPayloadError);
  });
});
