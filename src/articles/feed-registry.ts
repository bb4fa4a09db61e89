import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { InvalidInputError, NotFoundError } from '../common/domain-errors';
import { FeedAddressPolicy } from './feed-address-policy';
import { Feed } from './feed.entity';

export interface FeedHealth {
  id: string | null;
  url: string;
  /** From FEED_URLS (else added by an editor on the screen). */
  configured: boolean;
  addedBy: string | null;
  lastStatus: Feed['lastStatus'];
  lastError: string | null;
  lastPolledAt: Date | null;
  lastSuccessAt: Date | null;
  consecutiveFailures: number;
  itemsSeen: number;
  itemsCreated: number;
}

/**
 * Which feeds are polled: FEED_URLS (the environment's defaults) plus feeds editors added on the newsroom
 * screen, minus feeds editors removed. Removal is a mark on the row rather than a delete, so a feed that
 * FEED_URLS still lists stays removed across restarts.
 */
@Injectable()
export class FeedRegistry {
  private readonly logger = new Logger(FeedRegistry.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly policy: FeedAddressPolicy,
  ) {}

  /** The URLs a poll visits, FEED_URLS first. */
  async urls(): Promise<string[]> {
    const rows = await this.dataSource.getRepository(Feed).find({ order: { id: 'ASC' } });
    const removed = new Set(rows.filter((r) => r.removedAt).map((r) => r.url));
    const added = rows.filter((r) => r.addedBy && !r.removedAt).map((r) => r.url);
    return [...new Set([...this.config.feedUrls.filter((u) => !removed.has(u)), ...added])];
  }

  async list(): Promise<FeedHealth[]> {
    const rows = await this.dataSource.getRepository(Feed).find({ order: { id: 'ASC' } });
    const byUrl = new Map(rows.map((r) => [r.url, r]));
    return (await this.urls()).map((url) => {
      const f = byUrl.get(url);
      return {
        id: f?.id ?? null,
        url,
        configured: this.config.feedUrls.includes(url),
        addedBy: f?.addedBy ?? null,
        lastStatus: f?.lastStatus ?? null,
        lastError: f?.lastError ?? null,
        lastPolledAt: f?.lastPolledAt ?? null,
        lastSuccessAt: f?.lastSuccessAt ?? null,
        consecutiveFailures: f?.consecutiveFailures ?? 0,
        itemsSeen: f?.itemsSeen ?? 0,
        itemsCreated: f?.itemsCreated ?? 0,
      };
    });
  }

  /**
   * Adds (or brings back) a feed; the URL must be absolute http(s) without credentials, on a host feeds may reach
   * (FeedAddressPolicy). A refused or unresolvable address gets one neutral message, and nothing is fetched.
   */
  async add(rawUrl: string, editor: string): Promise<string> {
    const url = FeedRegistry.validUrl(rawUrl);
    if (!(await this.policy.permits(new URL(url)))) {
      this.logger.warn(`Feed refused for ${editor}: ${url} (address not allowed or not resolvable)`);
      throw new InvalidInputError('hardening.feedAddressRefused');
    }
    await this.dataSource.query(
      `INSERT INTO feeds (url, added_by) VALUES ($1, $2)
       ON CONFLICT (url) DO UPDATE SET added_by = EXCLUDED.added_by, removed_at = NULL, updated_at = now()`,
      [url, editor],
    );
    this.logger.log(`Feed added by ${editor}: ${url}`);
    return url;
  }

  async remove(url: string, editor: string): Promise<void> {
    if (!(await this.urls()).includes(url)) {
      throw new NotFoundError('errors.feedNotListed', { url });
    }
    await this.dataSource.query(
      `INSERT INTO feeds (url, removed_at) VALUES ($1, now())
       ON CONFLICT (url) DO UPDATE SET removed_at = now(), updated_at = now()`,
      [url],
    );
    this.logger.log(`Feed removed by ${editor}: ${url}`);
  }

  static validUrl(raw: string): string {
    let url: URL;
    try {
      url = new URL(String(raw ?? '').trim());
    } catch {
      throw new InvalidInputError('errors.feedUrlInvalid');
    }
    if (!['http:', 'https:'].includes(url.protocol) || !url.hostname || url.username || url.password) {
      throw new InvalidInputError('errors.feedUrlInvalid');
    }
    if (url.href.length > 2000) {
      throw new InvalidInputError('errors.feedUrlTooLong');
    }
    return url.href;
  }
}
