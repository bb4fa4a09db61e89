import { simpleParser } from 'mailparser';
import { addressIn, LateReport, normaliseMessageId } from './late-report';

/**
 * One message of the bounce mailbox, read as an RFC 3464 delivery status notification
 * (multipart/report; report-type=delivery-status) or an RFC 5965 abuse report (report-type=feedback-report).
 * `null` when it is neither (an auto-reply, a bounce in a vendor's own prose…): the mailbox leaves it for a
 * person to read.
 */
export interface MailboxReport {
  type: 'delivery-status' | 'feedback-report';
  /** Failed recipients (hard or soft) or the complaint; empty for a report that changes nothing (`delayed`). */
  reports: LateReport[];
}

export async function parseMailboxReport(source: Buffer | string): Promise<MailboxReport | null> {
  // Both parts kept as attachments: mailparser otherwise folds delivery-status into the text and parses
  // embedded messages away.
  const mail = await simpleParser(source, { keepDeliveryStatus: true, ignoreEmbedded: true, skipHtmlToText: true });
  const contentType = mail.headers.get('content-type') as
    { value?: string; params?: Record<string, string> } | undefined;
  if (contentType?.value?.toLowerCase() !== 'multipart/report') {
    return null;
  }
  const reportType = contentType.params?.['report-type']?.toLowerCase();
  const part = (type: string) => mail.attachments.find((a) => a.contentType.toLowerCase() === type);
  const original = part('message/rfc822') ?? part('text/rfc822-headers');
  const originalHeaders = original ? headerFields(headerBlock(original.content.toString('utf8'))) : new Map();
  const messageId = normaliseMessageId(originalHeaders.get('message-id')?.[0]);

  if (reportType === 'delivery-status') {
    const status = part('message/delivery-status');
    if (!status) {
      return null;
    }
    return { type: 'delivery-status', reports: failedRecipients(status.content.toString('utf8'), messageId) };
  }
  if (reportType === 'feedback-report') {
    const feedback = part('message/feedback-report');
    if (!feedback) {
      return null;
    }
    const fields = headerFields(feedback.content.toString('utf8'));
    if (fields.get('feedback-type')?.[0]?.toLowerCase() !== 'abuse') {
      // not-spam, virus, fraud, other: not the reader saying "spam".
      return { type: 'feedback-report', reports: [] };
    }
    // Original-Rcpt-To when the loop gives it; else the To of the returned message (Outlook's JMRP); some loops
    // redact both, and then only the Message-ID names the reader.
    const email = addressIn(fields.get('original-rcpt-to')?.[0]) ?? addressIn(originalHeaders.get('to')?.[0]);
    if (!email && !messageId) {
      return null;
    }
    return { type: 'feedback-report', reports: [{ kind: 'complaint', email, messageId }] };
  }
  return null;
}

/** Per-recipient blocks of a delivery-status body: `Action: failed` with Status 5.x.x is hard, 4.x.x soft. */
function failedRecipients(body: string, messageId: string | null): LateReport[] {
  const reports: LateReport[] = [];
  // The first block describes the message (Reporting-MTA…); each further one a recipient.
  for (const block of body.split(/\r?\n\s*\r?\n/).slice(1)) {
    const fields = headerFields(block);
    const action = fields.get('action')?.[0]?.trim().toLowerCase();
    const status = /^\s*([245])\.\d{1,3}\.\d{1,3}/.exec(fields.get('status')?.[0] ?? '');
    const email = addressIn(fields.get('final-recipient')?.[0]) ?? addressIn(fields.get('original-recipient')?.[0]);
    if (action !== 'failed' || !email || !status || status[1] === '2') {
      // delayed, delivered, relayed, expanded: nothing failed (yet).
      continue;
    }
    reports.push({ kind: status[1] === '5' ? 'hard' : 'soft', email, messageId });
  }
  return reports;
}

/** The header section of a message (up to the first blank line). */
function headerBlock(text: string): string {
  const end = text.search(/\r?\n\r?\n/);
  return end === -1 ? text : text.slice(0, end);
}

/** `Name: value` fields (folded lines unfolded), by lower-cased name, in order. */
function headerFields(block: string): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const match = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
    if (match) {
      const name = match[1].toLowerCase();
      fields.set(name, [...(fields.get(name) ?? []), match[2].trim()]);
    }
  }
  return fields;
}
