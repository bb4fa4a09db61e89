import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { NewslettersRepository } from '../subscribers/newsletters.repository';
import { DeliveryQueue } from '../delivery/delivery-queue';
import { articleRef } from './digest-previews';
import type { EditionDetailDto, EditionPageDto, EditionSummaryDto } from './dto/edition-views.dto';
import type { HistoryQueryDto } from './dto/digest-requests.dto';
import type { EditionRender } from './edition-render.entity';
import { EditionRenderer } from './edition-renderer';
import type { Edition } from './edition.entity';
import { EditionsRepository } from './editions.repository';
import { EditionsService } from './editions.service';
import { errorMessage } from '../common/error-message';

/** Editions for editors: newest first, keyset-paged, each with its per-status delivery counts. */
@Injectable()
export class EditionHistory {
  private readonly logger = new Logger(EditionHistory.name);

  constructor(
    private readonly editions: EditionsRepository,
    private readonly renderer: EditionRenderer,
    private readonly deliveryQueue: DeliveryQueue,
    private readonly editionsService: EditionsService,
    private readonly config: AppConfig,
    private readonly newsletters: NewslettersRepository,
  ) {}
  private readonly slugs = new Map<number, string | null>();

  async page(query: HistoryQueryDto): Promise<EditionPageDto> {
    const limit = query.limit ?? 20;
    const rows = await this.editions.page({
      kind: query.kind,
      frequency: query.frequency,
      newsletter: query.newsletter,
      status: query.status,
      from: query.from,
      to: query.to,
      timeZone: this.config.publication.timeZone,
      before: query.before,
      take: limit + 1,
    });
    const items = await Promise.all(rows.slice(0, limit).map((e) => this.summary(e)));
    return { items, nextBefore: rows.length > limit ? rows[limit - 1].id : null };
  }

  async detail(id: string): Promise<EditionDetailDto> {
    const edition = await this.editionsService.findOrFail(id);
    const articles = await this.renderer.articlesInOrder(edition.articleIds);
    return {
      ...(await this.summary(edition)),
      preheader: edition.preheader,
      articles: articles.map(articleRef),
      progress: await this.progress(edition.id),
    };
  }

  /** The compiled emails stored for an edition: `all`, then each topic segment (without their HTML). */
  storedRenders(editionId: string): Promise<Array<{ segmentKey: string; articleCount: number }>> {
    return this.editions.storedRenders(editionId);
  }

  /** One stored render as it went out (readers' links still placeholders), or null. */
  storedRender(editionId: string, segmentKey = 'all'): Promise<EditionRender | null> {
    return this.editions.storedRender(editionId, segmentKey);
  }

  async summary(e: Edition): Promise<EditionSummaryDto> {
    return {
      id: e.id,
      key: e.key,
      kind: e.kind,
      frequency: e.frequency,
      newsletter: e.newsletterId === null ? null : await this.slugOf(e.newsletterId),
      status: e.status,
      statusReason: e.statusReason,
      subject: e.subject,
      windowFrom: e.windowFrom,
      windowTo: e.windowTo,
      articleIds: e.articleIds,
      leftOutArticleIds: e.leftOutArticleIds,
      triggeredBy: e.triggeredBy,
      createdAt: e.createdAt,
      sendingStartedAt: e.sendingStartedAt,
      sentAt: e.sentAt,
      viewUrl: e.status === 'sending' || e.status === 'sent' ? this.renderer.viewInBrowserUrl(e.id) : null,
      deliveries: await this.counts(e.id),
    };
  }

  /** A newsletter's slug by id; slugs never change, so they are remembered. */
  private async slugOf(id: number): Promise<string | null> {
    let slug = this.slugs.get(id);
    if (slug === undefined) {
      slug = (await this.newsletters.findById(id))?.slug ?? null;
      if (slug !== null) {
        this.slugs.set(id, slug);
      }
    }
    return slug;
  }

  private async progress(id: string): Promise<EditionDetailDto['progress']> {
    try {
      const { total, remaining, ratePerSecond, etaSeconds, lastSentAt, transport } =
        await this.deliveryQueue.progress(id);
      return { total, remaining, ratePerSecond, etaSeconds, lastSentAt, transport };
    } catch (err) {
      this.logger.warn(`Delivery progress of edition ${id} unavailable: ${errorMessage(err)}`);
      return null;
    }
  }

  private async counts(id: string): Promise<EditionSummaryDto['deliveries']> {
    try {
      return await this.deliveryQueue.countsByStatus(id);
    } catch (err) {
      // The history must stay readable even when delivery counts cannot be had.
      this.logger.warn(`Delivery counts of edition ${id} unavailable: ${errorMessage(err)}`);
      return null;
    }
  }
}
