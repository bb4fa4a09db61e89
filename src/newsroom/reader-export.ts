import type { SubscriberExport } from '../subscribers/subscriber-privacy.service';

/** One CSV cell: quoted, and a leading = + - @ neutralised so a spreadsheet never runs it as a formula. */
export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : value instanceof Date ? value.toISOString() : String(value);
  if (typeof value === 'object' && !(value instanceof Date) && value !== null) {
    text = JSON.stringify(value);
  }
  if (/^[=+\-@\t\r]/.test(text)) {
    text = `'${text}`;
  }
  return `"${text.replace(/"/g, '""')}"`;
}

const row = (cells: unknown[]) => cells.map(csvCell).join(',');

/** One CSV line, CRLF-terminated. */
export const csvRow = (cells: unknown[]) => row(cells) + '\r\n';

/**
 * A reader's export as CSV for a spreadsheet: the record on one row under its header, then (each after an empty
 * line) the deliveries, the links followed and the emails opened as tables. The JSON export carries the same facts, nested.
 */
export function readerExportCsv(data: SubscriberExport): string {
  const s = data.subscriber;
  const consent = (s.consent ?? {}) as unknown as Record<string, unknown>;
  const lines = [
    row([
      'id',
      'email',
      'status',
      'frequency',
      'topics',
      'locale',
      'created_at',
      'confirmed_at',
      'unsubscribed_at',
      'bounced_at',
      'consent_at',
      'consent_page',
      'consent_ip',
      'consent_user_agent',
      'consent_wording',
      'exported_at',
    ]),
    row([
      s.id,
      s.email,
      s.status,
      s.frequency,
      s.topics.join(' '),
      s.locale,
      s.createdAt,
      s.confirmedAt,
      s.unsubscribedAt,
      s.bouncedAt,
      consent.at,
      consent.page,
      consent.ip,
      consent.userAgent,
      consent.wording,
      data.exportedAt,
    ]),
    '',
    row(['edition_id', 'edition_key', 'subject', 'status', 'attempts', 'last_error', 'message_id', 'sent_at']),
    ...data.deliveries.map((d) =>
      row([d.editionId, d.editionKey, d.subject, d.status, d.attempts, d.lastError, d.messageId, d.sentAt]),
    ),
    '',
    row(['edition_id', 'edition_key', 'clicked_url', 'clicked_at']),
    ...data.clicks.map((c) => row([c.editionId, c.editionKey, c.url, c.clickedAt])),
    '',
    row(['edition_id', 'edition_key', 'opened_at', 'machine_opened_at']),
    ...data.opens.map((o) => row([o.editionId, o.editionKey, o.openedAt, o.machineOpenedAt])),
    '',
    row(['delivery_history_kept_days', 'delivery_history']),
    row([data.deliveryHistory.keptDays, data.deliveryHistory.noteAr]),
  ];
  // A BOM so spreadsheet programs read the Arabic as UTF-8.
  return '\uFEFF' + lines.join('\r\n') + '\r\n';
}
