import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { normaliseEmail } from './email-address';

/** The do-not-mail list: sha256 of each erased address's key, nothing else. */
@Injectable()
export class Suppressions {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  static hash(emailKey: string): string {
    return createHash('sha256').update(emailKey, 'utf8').digest('hex');
  }

  /** True when this address (in any case or form) was erased and must not be mailed. */
  async isSuppressed(email: string, manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    const address = normaliseEmail(email);
    if (!address) {
      return false;
    }
    const rows: unknown[] = await manager.query('SELECT 1 FROM suppressions WHERE email_hash = $1', [
      Suppressions.hash(address.key),
    ]);
    return rows.length > 0;
  }

  async add(emailKey: string, reason: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query(
      'INSERT INTO suppressions (email_hash, reason) VALUES ($1, $2) ON CONFLICT (email_hash) DO NOTHING',
      [Suppressions.hash(emailKey), reason],
    );
  }
}
