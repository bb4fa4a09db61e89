import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { ImapFlow } from 'imapflow';
import { DataSource } from 'typeorm';
import { errorMessage } from '../../common/error-message';
import { PeriodicJob } from '../../common/periodic-job';
import { AppConfig } from '../../config/app-config';
import { LOCK_KEYS, releaseLock, tryLock } from '../../database/advisory-lock';
import { LateReports } from './late-reports';
import { MailboxAddress, mailboxAddress } from './mailbox-address';
import { parseMailboxReport } from './mailbox-report';

export const BOUNCE_MAILBOX_INTERVAL_NAME = 'delivery.bounce-mailbox';
/** Set on messages that are not reports: left unread for a person, and not read again by the next poll. */
export const NOT_A_REPORT_KEYWORD = 'NashraNotReport';
/** Larger messages are not reports (a DSN returns headers, an ARF one message): left for a person. */
const MAX_MESSAGE_BYTES = 5 * 1024 * 1024;

export interface MailboxPollResult {
  /** False when another instance holds the poll lock, or no mailbox is configured. */
  ran: boolean;
  /** Unread messages looked at. */
  seen: number;
  /** Delivery reports and abuse reports applied (then flagged \Seen). */
  reports: number;
  /** Messages that are not reports, left unread. */
  skipped: number;
}

/**
 * Polls the bounce mailbox (BOUNCE_IMAP_URL) every BOUNCE_IMAP_POLL_SECONDS, in worker roles only, under an
 * advisory lock so one instance polls. Each unread message is read as an RFC 3464 delivery report or an
 * RFC 5965 abuse report and applied like a webhook's report; it is then flagged \Seen, so it is handled once.
 * A message that is not a report stays unread for a person and gets a keyword so it is logged only once.
 */
@Injectable()
export class BounceMailbox implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(BounceMailbox.name);
  private readonly address: MailboxAddress | null;
  private readonly job = new PeriodicJob<MailboxPollResult>({
    name: BOUNCE_MAILBOX_INTERVAL_NAME,
    work: () => this.pollLocked(),
    logger: this.logger,
    failure: (err) => {
      // imapflow's errors carry the server's answer, never the password.
      const { authenticationFailed, responseText } = err as { authenticationFailed?: boolean; responseText?: string };
      const detail = authenticationFailed
        ? ' (the server refused the user name or password)'
        : responseText
          ? ` (${responseText})`
          : '';
      return `Bounce mailbox ${this.address?.redacted}: poll failed: ${errorMessage(err)}${detail}`;
    },
  });
  /** When the server keeps no keywords: messages already logged as not reports (uidValidity:uid). */
  private readonly skippedHere = new Set<string>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly lateReports: LateReports,
    private readonly scheduler: SchedulerRegistry,
    private readonly config: AppConfig,
  ) {
    const url = config.bounces.imapUrl;
    this.address = url ? mailboxAddress(url) : null;
  }

  onApplicationBootstrap(): void {
    if (!this.config.runsBackgroundWork || !this.address) {
      return;
    }
    const seconds = this.config.bounces.imapPollSeconds;
    this.job.schedule(this.scheduler, seconds * 1000, { runNow: true });
    this.logger.log(`Polling the bounce mailbox ${this.address.redacted} every ${seconds} s`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.job.stop();
  }

  /** Reads the mailbox once, unless another instance is reading it. */
  poll(): Promise<MailboxPollResult> {
    return this.job.run();
  }

  private async pollLocked(): Promise<MailboxPollResult> {
    const none = { ran: false, seen: 0, reports: 0, skipped: 0 };
    if (!this.address) {
      return none;
    }
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      if (!(await tryLock(runner, LOCK_KEYS.bounceMailbox))) {
        this.logger.debug('Another instance is polling the bounce mailbox');
        return none;
      }
      try {
        return await this.read(this.address);
      } finally {
        await releaseLock(runner, LOCK_KEYS.bounceMailbox);
      }
    } finally {
      await runner.release();
    }
  }

  private async read(address: MailboxAddress): Promise<MailboxPollResult> {
    const started = Date.now();
    const result: MailboxPollResult = { ran: true, seen: 0, reports: 0, skipped: 0 };
    const changes = { readers: 0, deliveries: 0 };
    const client = new ImapFlow({
      host: address.host,
      port: address.port,
      secure: address.secure,
      auth: { user: address.user, pass: address.password },
      logger: false,
      connectionTimeout: 30_000,
      greetingTimeout: 30_000,
      socketTimeout: 120_000,
    });
    client.on('error', (err) => this.logger.warn(`Bounce mailbox ${address.redacted}: ${errorMessage(err)}`));
    await client.connect();
    try {
      const mailbox = await client.mailboxOpen(address.mailbox);
      const keywords = mailbox.permanentFlags?.has('\\*') ?? false;
      const query = keywords ? { seen: false, unKeyword: NOT_A_REPORT_KEYWORD } : { seen: false };
      const uids = (await client.search(query, { uid: true })) || [];
      for (const uid of uids) {
        const key = `${String(mailbox.uidValidity)}:${uid}`;
        if (this.job.stopped || this.skippedHere.has(key)) {
          continue;
        }
        result.seen++;
        const message = await client.fetchOne(String(uid), { uid: true, size: true, source: false }, { uid: true });
        const source =
          message && (message.size ?? 0) <= MAX_MESSAGE_BYTES
            ? await client.fetchOne(String(uid), { uid: true, source: true }, { uid: true })
            : false;
        const report = source && source.source ? await parseMailboxReport(source.source).catch(() => null) : null;
        if (!report) {
          result.skipped++;
          this.skippedHere.add(key);
          if (keywords) {
            await client.messageFlagsAdd(String(uid), [NOT_A_REPORT_KEYWORD], { uid: true });
          }
          this.logger.warn(
            `Bounce mailbox: message ${uid} is not a delivery or abuse report` +
              `${message && (message.size ?? 0) > MAX_MESSAGE_BYTES ? ' (too large)' : ''}; left unread`,
          );
          continue;
        }
        // Applied before it is flagged: a crash in between applies it again, which changes nothing more.
        const outcome = await this.lateReports.applyAll(report.reports, `bounce mailbox (${report.type})`);
        changes.readers += outcome.readers;
        changes.deliveries += outcome.deliveries;
        await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
        result.reports++;
      }
    } finally {
      await client.logout().catch(() => client.close());
    }
    const ms = Date.now() - started;
    if (result.seen > 0) {
      this.logger.log(
        `Bounce mailbox ${address.redacted}: ${result.seen} new message(s), ${result.reports} report(s) applied ` +
          `(${changes.readers} reader(s), ${changes.deliveries} delivery(ies) marked), ${result.skipped} left unread, ` +
          `${ms} ms (${((result.seen * 1000) / Math.max(ms, 1)).toFixed(1)} msg/s)`,
      );
    } else {
      this.logger.debug(`Bounce mailbox ${address.redacted}: nothing new (${ms} ms)`);
    }
    return result;
  }
}
