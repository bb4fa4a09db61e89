import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { PeriodicJob } from '../common/periodic-job';
import { AppConfig } from '../config/app-config';
import { LOCK_KEYS, releaseLock, tryLock } from '../database/advisory-lock';
import { ArticlesService } from './articles.service';
import { Feed, FeedPollStatus } from './feed.entity';
import { FeedFetcher, FeedFetchError } from './feed-fetcher';
import { FeedParseError, parseFeedDocument } from './feed-items';
import { FeedRegistry } from './feed-registry';
import { errorMessage, errorStack } from '../common/error-message';

export const FEED_POLL_INTERVAL_NAME = 'articles.feed-poll';
// Only the instance holding it polls.
export const FEED_POLL_LOCK_KEY = LOCK_KEYS.feedPoll;
const MAX_ERROR_LENGTH = 300;

export interface FeedPollResult {
  url: string;
  status: FeedPollStatus;
  itemsSeen: number;
  created: number;
  updated: number;
  skipped: number;
  failed: number;
  ms: number;
  error?: string;
}

export interface PollAllResult {
  /** False when another instance (or a still-running tick) holds the poll lock. */
  ran: boolean;
  feeds: FeedPollResult[];
}

/**
 * Polls FEED_URLS on an interval (worker roles only). Each tick takes a PostgreSQL advisory lock so only one
 * instance polls; each feed is polled on its own, so a feed that is down or broken is recorded with its reason
 * and retried next tick while the others go on.
 */
@Injectable()
export class FeedPoller implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(FeedPoller.name);
  // A tick that outlives the interval is not started twice in one process.
  private readonly job = new PeriodicJob<PollAllResult>({
    name: FEED_POLL_INTERVAL_NAME,
    work: () => this.pollAllLocked(),
    logger: this.logger,
    failure: (err) => `Feed poll tick failed: ${errorMessage(err)}`,
  });

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly fetcher: FeedFetcher,
    private readonly articles: ArticlesService,
    private readonly scheduler: SchedulerRegistry,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly registry: FeedRegistry,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.runsBackgroundWork) {
      return;
    }
    const seconds = this.config.feeds.pollIntervalSeconds;
    const feeds = this.config.feedUrls.length;
    // A fresh start with feeds should not wait a whole interval for its first articles.
    this.job.schedule(this.scheduler, seconds * 1000, { runNow: feeds > 0 });
    if (feeds > 0) {
      this.logger.log(`Polling ${feeds} feed(s) every ${seconds} s`);
    }
  }

  // Before the database pool closes: let a running poll finish its current feed.
  async beforeApplicationShutdown(): Promise<void> {
    await this.job.stop();
  }

  /** Polls every feed once (FEED_URLS and the newsroom's), unless another poll holds the lock. */
  async pollAll(): Promise<PollAllResult> {
    return this.job.run();
  }

  private async pollAllLocked(): Promise<PollAllResult> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      if (!(await tryLock(runner, FEED_POLL_LOCK_KEY))) {
        this.logger.debug('Another instance is polling the feeds');
        return { ran: false, feeds: [] };
      }
      try {
        const feeds: FeedPollResult[] = [];
        // FEED_URLS plus feeds editors added, minus those they removed.
        for (const url of await this.registry.urls()) {
          if (this.job.stopped) {
            break;
          }
          try {
            feeds.push(await this.pollFeed(url));
          } catch (err) {
            // Only our own database can throw here; the next feed still gets its turn.
            this.logger.error(`Feed ${url}: could not record the poll: ${errorMessage(err)}`);
          }
        }
        return { ran: true, feeds };
      } finally {
        await releaseLock(runner, FEED_POLL_LOCK_KEY);
      }
    } finally {
      await runner.release();
    }
  }

  /** Polls one feed and records the outcome in `feeds`. Never throws for anything the feed server does. */
  async pollFeed(url: string): Promise<FeedPollResult> {
    const started = Date.now();
    const repo = this.dataSource.getRepository(Feed);
    await repo.createQueryBuilder().insert().into(Feed).values({ url }).orIgnore().execute();
    const feed = await repo.findOneByOrFail({ url });
    const result: FeedPollResult = {
      url,
      status: 'ok',
      itemsSeen: 0,
      created: 0,
      updated: 0,
      skipped: 0,
      failed: 0,
      ms: 0,
    };
    const record: Partial<Feed> = { lastPolledAt: this.clock.now() };

    try {
      const response = await this.fetcher.fetch(url, { etag: feed.etag, lastModified: feed.lastModified });
      if (response.status === 'not_modified') {
        result.status = 'not_modified';
      } else {
        const document = parseFeedDocument(response.text);
        const upserted = await this.articles.upsertMany(document.items, url, document.siteUrl ?? response.finalUrl);
        Object.assign(result, {
          itemsSeen: upserted.seen,
          created: upserted.created,
          updated: upserted.updated,
          skipped: upserted.skipped,
          failed: upserted.failed,
        });
        // Validators are kept only once the content is stored, so a body that failed is fetched again.
        record.etag = response.etag;
        record.lastModified = response.lastModified;
      }
      record.lastSuccessAt = this.clock.now();
      record.consecutiveFailures = 0;
      record.lastError = null;
    } catch (err) {
      const expected = err instanceof FeedFetchError || err instanceof FeedParseError;
      result.status = 'error';
      result.error = errorMessage(err).replace(/\s+/g, ' ').slice(0, MAX_ERROR_LENGTH);
      if (!expected) {
        this.logger.error(`Feed ${url}: unexpected failure`, errorStack(err));
      }
      record.consecutiveFailures = feed.consecutiveFailures + 1;
      record.lastError = result.error;
    }

    result.ms = Date.now() - started;
    Object.assign(record, {
      lastStatus: result.status,
      itemsSeen: result.itemsSeen,
      itemsCreated: result.created,
      itemsUpdated: result.updated,
      itemsSkipped: result.skipped,
    });
    await repo.update({ id: feed.id }, record);

    if (result.status === 'error') {
      this.logger.warn(
        `Feed ${url}: failed (${result.error}); failure ${record.consecutiveFailures} in a row, retrying next tick`,
      );
    } else if (result.status === 'not_modified') {
      this.logger.log(`Feed ${url}: not modified (304), ${result.ms} ms`);
    } else {
      this.logger.log(
        `Feed ${url}: ${result.itemsSeen} items seen, ${result.created} created, ${result.updated} updated, ` +
          `${result.skipped} skipped${result.failed ? `, ${result.failed} failed` : ''}, ${result.ms} ms`,
      );
    }
    return result;
  }

  /** Every feed's last poll, for editors. */
  async status(): Promise<Feed[]> {
    return this.dataSource.getRepository(Feed).find({ order: { id: 'ASC' } });
  }
}
