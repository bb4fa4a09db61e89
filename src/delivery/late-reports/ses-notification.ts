import { addressIn, LateReport, LateReportPayloadError, normaliseMessageId, objectAt, stringAt } from './late-report';

/**
 * Amazon SES feedback through SNS (an HTTP/S subscription of the topic SES publishes bounces and complaints
 * to). SNS posts an envelope whose `Message` is the SES notification as a JSON string; before the first one it
 * posts a `SubscriptionConfirmation` whose SubscribeURL the operator must open once.
 */
export type SesPayload =
  | {
      type: 'subscription';
      message: 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';
      subscribeUrl: string;
      topicArn: string;
    }
  | { type: 'reports'; reports: LateReport[]; note: string };

export function parseSesNotification(body: unknown): SesPayload {
  const envelope = objectAt(body, 'the SNS message');
  const kind = stringAt(envelope.Type, 'Type');
  if (kind === 'SubscriptionConfirmation' || kind === 'UnsubscribeConfirmation') {
    return {
      type: 'subscription',
      message: kind,
      subscribeUrl: stringAt(envelope.SubscribeURL, 'SubscribeURL'),
      topicArn: typeof envelope.TopicArn === 'string' ? envelope.TopicArn : '(unknown topic)',
    };
  }
  if (kind !== 'Notification') {
    throw new LateReportPayloadError(`Type ${kind} is not an SNS message type`);
  }
  let message: unknown;
  try {
    message = JSON.parse(stringAt(envelope.Message, 'Message'));
  } catch (err) {
    throw err instanceof LateReportPayloadError ? err : new LateReportPayloadError('Message is not JSON');
  }
  const notification = objectAt(message, 'Message');
  // Notifications (SNS feedback) say notificationType; event publishing (configuration sets) says eventType.
  const type = notification.notificationType ?? notification.eventType;
  const messageId = originalMessageId(notification.mail);
  if (type === 'Bounce') {
    const bounce = objectAt(notification.bounce, 'bounce');
    // Permanent: the address is gone. Transient (mailbox full, message too large…) and Undetermined: a soft one.
    const hard = bounce.bounceType === 'Permanent';
    const reports = recipients(bounce.bouncedRecipients, 'bouncedRecipients').map((email): LateReport => ({
      kind: hard ? 'hard' : 'soft',
      email,
      messageId,
    }));
    return { type: 'reports', reports, note: `SES ${String(bounce.bounceType)} bounce` };
  }
  if (type === 'Complaint') {
    const complaint = objectAt(notification.complaint, 'complaint');
    if (complaint.complaintFeedbackType === 'not-spam') {
      return { type: 'reports', reports: [], note: 'SES not-spam feedback' };
    }
    const reports = recipients(complaint.complainedRecipients, 'complainedRecipients').map((email): LateReport => ({
      kind: 'complaint',
      email,
      messageId,
    }));
    return { type: 'reports', reports, note: 'SES complaint' };
  }
  // Delivery, Send, Open… notifications on the same topic: nothing to do.
  return { type: 'reports', reports: [], note: `SES ${String(type)} notification ignored` };
}

function recipients(list: unknown, what: string): string[] {
  if (!Array.isArray(list)) {
    throw new LateReportPayloadError(`${what} must be a list`);
  }
  return list.map((r, i) => {
    const address = addressIn(objectAt(r, `${what}[${i}]`).emailAddress);
    if (!address) {
      throw new LateReportPayloadError(`${what}[${i}].emailAddress must be an address`);
    }
    return address;
  });
}

/** Our Message-ID header as SES saw it (mail.headers when "include original headers" is on, else commonHeaders). */
function originalMessageId(mail: unknown): string | null {
  if (typeof mail !== 'object' || mail === null) {
    return null;
  }
  const { headers, commonHeaders } = mail as { headers?: unknown; commonHeaders?: { messageId?: unknown } };
  if (Array.isArray(headers)) {
    const header = headers.find(
      (h: unknown) =>
        typeof h === 'object' && h !== null && String((h as { name?: unknown }).name).toLowerCase() === 'message-id',
    ) as { value?: unknown } | undefined;
    const fromHeaders = normaliseMessageId(header?.value);
    if (fromHeaders) {
      return fromHeaders;
    }
  }
  return normaliseMessageId(commonHeaders?.messageId);
}
