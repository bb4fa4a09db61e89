import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMailboxReport } from './mailbox-report';

const fixture = (name: string) =>
  readFileSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', 'bounces', name), 'utf8');

describe('parseMailboxReport (RFC 3464 delivery reports, RFC 5965 abuse reports)', () => {
  it('a DSN with Status 5.x.x is a hard bounce of its Final-Recipient, with the returned Message-ID', async () => {
    expect(await parseMailboxReport(fixture('dsn-hard.eml'))).toEqual({
      type: 'delivery-status',
      reports: [
        {
          kind: 'hard',
          email: 'sami.haddad@example.org',
          messageId: '<6f1d2c3b4a5948e79c0d1e2f3a4b5c6d@nashra.example>',
        },
      ],
    });
  });

  it('Status 4.x.x with Action failed is a soft bounce; Action delayed is nothing yet', async () => {
    const soft = await parseMailboxReport(fixture('dsn-soft.eml'));
    expect(soft?.reports).toEqual([
      { kind: 'soft', email: 'noor.ali@example.com', messageId: '<0a1b2c3d4e5f40718293a4b5c6d7e8f9@nashra.example>' },
    ]);
    const delayed = await parseMailboxReport(fixture('dsn-soft.eml').replace('Action: failed', 'Action: delayed'));
    expect(delayed).toEqual({ type: 'delivery-status', reports: [] });
  });

  it('an ARF abuse report is a complaint of the returned message’s To', async () => {
    expect(await parseMailboxReport(fixture('arf-abuse.eml'))).toEqual({
      type: 'feedback-report',
      reports: [
        {
          kind: 'complaint',
          email: 'layla.karim@example.net',
          messageId: '<9e8d7c6b5a4940e3b2c1d0e9f8a7b6c5@nashra.example>',
        },
      ],
    });
  });

  it('Original-Rcpt-To wins over the To; a redacted report keeps the Message-ID to find the reader', async () => {
    const withRcpt = fixture('arf-abuse.eml').replace(
      'Arrival-Date:',
      'Original-Rcpt-To: <rana.yousef@example.org>\nArrival-Date:',
    );
    expect((await parseMailboxReport(withRcpt))?.reports[0].email).toBe('rana.yousef@example.org');
    const redacted = fixture('arf-abuse.eml').replace('To: layla.karim@example.net', 'To: redacted');
    expect((await parseMailboxReport(redacted))?.reports).toEqual([
      { kind: 'complaint', email: null, messageId: '<9e8d7c6b5a4940e3b2c1d0e9f8a7b6c5@nashra.example>' },
    ]);
  });

  it('a feedback report that is not abuse changes nothing; an auto-reply is not a report', async () => {
    const notSpam = fixture('arf-abuse.eml').replace('Feedback-Type: abuse', 'Feedback-Type: not-spam');
    expect(await parseMailboxReport(notSpam)).toEqual({ type: 'feedback-report', reports: [] });
    expect(await parseMailboxReport(fixture('auto-reply.eml'))).toBeNull();
  });
});
