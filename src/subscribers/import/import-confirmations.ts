import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { hashToken, newToken } from '../../common/secure-token';
import { AppConfig } from '../../config/app-config';
import { ReaderImport } from './reader-import.entity';
import { ReaderImportRepository } from './reader-import.repository';

/** Sends an import's confirmation emails, as many at a time as the SMTP pool takes, and records who got one. */
@Injectable()
export class ImportConfirmations {
  private readonly logger = new Logger(ImportConfirmations.name);

  constructor(
    private readonly repository: ReaderImportRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** Confirmations a stop left unsent (readers committed, mail never left): fresh tokens, then sent. */
  async remailUnsent(job: ReaderImport, send: (email: string, token: string) => Promise<void>): Promise<void> {
    const unsent = await this.repository.unmailed(job.id);
    if (unsent.length === 0) {
      return;
    }
    const expires = new Date(this.clock.now().getTime() + this.config.env.CONFIRM_TOKEN_TTL_HOURS * 3600_000);
    const toMail: Array<{ id: string; email: string; token: string }> = [];
    for (const reader of unsent) {
      const token = newToken();
      await this.repository.replaceToken(reader.id, hashToken(token), expires);
      toMail.push({ ...reader, token });
    }
    this.logger.log(`Import ${job.id}: sending ${toMail.length} confirmation(s) a stop left unsent`);
    await this.mailAll(job, toMail, send);
  }

  /** Sends with as many messages in flight as the SMTP pool has connections (twice), then records them. */
  async mailAll(
    job: ReaderImport,
    readers: Array<{ id: string; email: string; token: string }>,
    send: (email: string, token: string) => Promise<void>,
  ): Promise<void> {
    const sent: string[] = [];
    let failed = 0;
    let next = 0;
    const lanes = Array.from({ length: Math.min(readers.length, 2 * this.config.env.SMTP_POOL_SIZE) }, async () => {
      while (next < readers.length) {
        const reader = readers[next++];
        try {
          await send(reader.email, reader.token);
          sent.push(reader.id);
        } catch (err) {
          failed++;
          this.logger.warn(
            `Import ${job.id}: confirmation to subscriber ${reader.id} failed: ${(err as Error).message}`,
          );
        }
      }
    });
    await Promise.all(lanes);
    await this.repository.confirmationsSent(job.id, sent, failed, this.clock.now());
  }
}
