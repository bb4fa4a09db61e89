import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Edition } from './edition.entity';

export interface ArchivePage {
  editions: Pick<Edition, 'id' | 'subject' | 'frequency' | 'windowTo' | 'sentAt' | 'sendingStartedAt'>[];
  /** `?before=` of the next (older) page, or null. */
  nextBefore: string | null;
}

/** Editions the public may read: those that went (or are going) out, newest first, keyset-paged by id. */
@Injectable()
export class EditionArchive {
  constructor(@InjectRepository(Edition) private readonly editions: Repository<Edition>) {}

  async page(limit: number, before?: string): Promise<ArchivePage> {
    const qb = this.editions
      .createQueryBuilder('e')
      .select(['e.id', 'e.subject', 'e.frequency', 'e.windowTo', 'e.sentAt', 'e.sendingStartedAt'])
      .where(`e.status IN ('sending', 'sent') AND e.html IS NOT NULL`)
      .orderBy('e.id', 'DESC')
      .limit(limit + 1);
    if (before && /^\d{1,19}$/.test(before)) {
      qb.andWhere('e.id < :before', { before });
    }
    const rows = await qb.getMany();
    const editions = rows.slice(0, limit);
    return { editions, nextBefore: rows.length > limit ? editions[editions.length - 1].id : null };
  }
}
