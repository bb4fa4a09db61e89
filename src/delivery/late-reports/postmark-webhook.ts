import { addressIn, LateReport, LateReportKind, LateReportPayloadError, objectAt, stringAt } from './late-report';

/**
 * Postmark's Bounce and Spam Complaint webhooks: one JSON record per event, `RecordType` Bounce or SpamComplaint,
 * `Type` the bounce type. Postmark's `MessageID` is its own id, not our Message-ID header, so the ledger row is
 * found from the address (the reader's latest sent delivery).
 */
const KIND_OF_TYPE: Record<string, LateReportKind> = {
  HardBounce: 'hard',
  BadEmailAddress: 'hard',
  ManuallyDeactivated: 'hard',
  SoftBounce: 'soft',
  Transient: 'soft',
  DnsError: 'soft',
  Blocked: 'soft',
  SpamComplaint: 'complaint',
};

export interface PostmarkPayload {
  reports: LateReport[];
  note: string;
}

export function parsePostmarkWebhook(body: unknown): PostmarkPayload {
  const record = objectAt(body, 'the Postmark record');
  const recordType = stringAt(record.RecordType, 'RecordType');
  if (recordType !== 'Bounce' && recordType !== 'SpamComplaint') {
    // Delivery, Open, Click, SubscriptionChange: other webhooks of the same server, nothing for us.
    return { reports: [], note: `Postmark ${recordType} record ignored` };
  }
  const type = stringAt(record.Type, 'Type');
  const email = addressIn(record.Email);
  if (!email) {
    throw new LateReportPayloadError('Email must be an address');
  }
  const kind = recordType === 'SpamComplaint' ? 'complaint' : KIND_OF_TYPE[type];
  if (!kind) {
    // AutoResponder, AddressChange, Unsubscribe, ChallengeVerification…: not a delivery failure.
    return { reports: [], note: `Postmark ${type} ignored` };
  }
  return { reports: [{ kind, email, messageId: null }], note: `Postmark ${type}` };
}
