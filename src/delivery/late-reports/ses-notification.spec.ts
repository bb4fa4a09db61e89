import {
  sesBounce,
  sesComplaint,
  sesDelivery,
  SNS_SUBSCRIPTION_CONFIRMATION,
  snsNotification,
} from '../../../test/fixtures/bounces/provider-payloads';
import { LateReportPayloadError } from './late-report';
import { parseSesNotification } from './ses-notification';

const MID = '<6f1d2c3b4a5948e79c0d1e2f3a4b5c6d@nashra.example>';

describe('parseSesNotification (Amazon SES through SNS)', () => {
  it('a Permanent bounce is hard, with our Message-ID from the original headers', () => {
    expect(parseSesNotification(snsNotification(sesBounce('sami@example.org', MID)))).toEqual({
      type: 'reports',
      reports: [{ kind: 'hard', email: 'sami@example.org', messageId: MID }],
      note: 'SES Permanent bounce',
    });
  });

  it('Transient and Undetermined bounces are soft', () => {
    for (const type of ['Transient', 'Undetermined'] as const) {
      const parsed = parseSesNotification(snsNotification(sesBounce('noor@example.com', MID, type)));
      expect(parsed.type === 'reports' && parsed.reports.map((r) => r.kind)).toEqual(['soft']);
    }
  });

  it('a complaint names the complainer; a Delivery notification changes nothing', () => {
    const complaint = parseSesNotification(snsNotification(sesComplaint('layla@example.net', MID)));
    expect(complaint.type === 'reports' && complaint.reports).toEqual([
      { kind: 'complaint', email: 'layla@example.net', messageId: MID },
    ]);
    const delivery = parseSesNotification(snsNotification(sesDelivery('layla@example.net', MID)));
    expect(delivery.type === 'reports' && delivery.reports).toEqual([]);
  });

  it('without original headers the Message-ID is whatever commonHeaders holds (SES’s own id is not one)', () => {
    const bounce = sesBounce('sami@example.org', MID) as { mail: { headers?: unknown } };
    delete bounce.mail.headers;
    const parsed = parseSesNotification(snsNotification(bounce));
    expect(parsed.type === 'reports' && parsed.reports[0].messageId).toBeNull();
  });

  it('a subscription confirmation hands back its SubscribeURL', () => {
    expect(parseSesNotification(SNS_SUBSCRIPTION_CONFIRMATION)).toEqual({
      type: 'subscription',
      message: 'SubscriptionConfirmation',
      subscribeUrl: SNS_SUBSCRIPTION_CONFIRMATION.SubscribeURL,
      topicArn: SNS_SUBSCRIPTION_CONFIRMATION.TopicArn,
    });
  });

  it('refuses shapes it does not know', () => {
    expect(() => parseSesNotification('x')).toThrow(LateReportPayloadError);
    expect(() => parseSesNotification({ Type: 'Nonsense' })).toThrow(LateReportPayloadError);
    expect(() => parseSesNotification({ Type: 'Notification', Message: '{not json' })).toThrow(/not JSON/);
    expect(() =>
      parseSesNotification(snsNotification({ notificationType: 'Bounce', bounce: { bouncedRecipients: 'x' } })),
    ).toThrow(/bouncedRecipients/);
  });
});
