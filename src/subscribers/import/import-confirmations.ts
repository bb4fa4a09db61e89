import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock } from '../../common/clock';
import { hashToken, newToken } from '../../common/secure-token';
import { AppConfig } from '../../config/app-config';
import { TransactionalOutbox } from '../../delivery/transactional-outbox';
import { ReaderEmails } from '../reader-emails';
import { ReaderImport } from './reader-import.entity';
import { ReaderImportRepository } from './reader-import.repository';

/**
 * An import's confirmation emails, queued in the transactional outbox in the same transaction that inserts
 * the readers, so a crash can never leave a reader committed without their email. The confirmation MJML is
 * compiled once (ReaderEmails); each reader's token is substituted in.
 */
@Injectable()
export class ImportConfirmations {
  private readonly logger = new Logger(ImportConfirmations.name);

  constructor(
    private readonly repository: ReaderImportRepository,
    private readonly emails: ReaderEmails,
    private readonly outbox: TransactionalOutbox,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /**
   * Confirmations an older version left unsent (readers committed, mail never left, from before the outbox):
   * fresh tokens, queued.
   */
  async remailUnsent(job: ReaderImport): Promise<void> {
    const unsent = await this.repository.unmailed(job.id);
    if (unsent.length === 0) {
      return;
    }
    const expires = new Date(this.clock.now().getTime() + this.config.readers.confirmTokenTtlHours * 3600_000);
    await this.repository.transaction(async (manager) => {
      const readers: Array<{ id: string; email: string; token: string }> = [];
      for (const reader of unsent) {
        const token = newToken();
        await this.repository.replaceToken(manager, reader.id, hashToken(token), expires);
        readers.push({ ...reader, token });
      }
      await this.queue(manager, job, readers);
    });
    this.outbox.wake();
    this.logger.log(`Import ${job.id}: queued ${unsent.length} confirmation(s) a stop left unsent`);
  }

  /** Queues one confirmation per reader, inside the caller's transaction. */
  async queue(
    manager: EntityManager,
    job: ReaderImport,
    readers: Array<{ id: string; email: string; token: string }>,
  ): Promise<void> {
    const mails = await Promise.all(
      readers.map(async (r) => ({
        kind: 'confirmation',
        to: r.email,
        subscriberId: r.id,
        ...(await this.emails.compose('confirm', { confirmToken: r.token })),
      })),
    );
    await this.outbox.enqueue(mails, manager);
    await this.repository.confirmationsQueued(
      manager,
      job.id,
      readers.map((r) => r.id),
      this.clock.now(),
    );
  }

  wake(): void {
    this.outbox.wake();
  }
}
