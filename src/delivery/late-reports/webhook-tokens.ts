import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/**
 * The one-time tokens of signed webhooks seen (table webhook_tokens), so a signed request is taken once: a
 * copy replayed while its signature is still fresh finds its token here. Rows go once the signature would be
 * refused as stale anyway.
 */
@Injectable()
export class WebhookTokens {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** True the first time (provider, token) is seen; false for a replay. Forgets tokens expired by `now`. */
  async firstUse(provider: string, token: string, expiresAt: Date, now: Date): Promise<boolean> {
    await this.dataSource.query(`DELETE FROM webhook_tokens WHERE expires_at < $1`, [now]);
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO webhook_tokens (provider, token, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING token`,
      [provider, token, expiresAt],
    );
    return rows.length === 1;
  }
}
