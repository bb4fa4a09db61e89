import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import type { Audience } from '../delivery/delivery-ports';
import { NewsletterReaderCounts } from './newsletter-reader-counts';

/** An article of an edition, as the audience query needs it. */
export interface AudienceArticle {
  id: string;
  topics: string[];
}

/**
 * Who gets a digest edition, decided here because readers own it: every active reader with an active
 * subscription to the edition's newsletter. Each reader's segment: readers without topics get `all`; readers with
 * topics get the ids of the edition's articles that share a topic with them, ascending and joined by `,` (`all`
 * when that is every article), or null when none does. Readers who opted out of click tracking get the same key
 * with `-direct` after it (one more segment, compiled once, with direct links), unless CLICK_TRACKING=off.
 *
 * The rule itself is the SQL function `audience_members` (migrations/1795647100000-AudienceMembers.ts), which
 * readers own; other modules get a typed Audience and read the function with its values, so an audience of any
 * size is queued in one statement and never loaded into memory, and no SQL text crosses a module.
 */
@Injectable()
export class AudienceRepository {
  constructor(
    private readonly config: AppConfig,
    private readonly counts: NewsletterReaderCounts,
  ) {}

  /**
   * How many readers forEdition would return (active) and how many of them would receive something (receiving),
   * from the kept readers per newsletter, state and topic set (NewsletterReaderCounts): a sum over a few hundred
   * kept rows whatever the newsletter's size, never a count of its subscriptions.
   */
  sizeOf(newsletterId: number, articles: AudienceArticle[]): Promise<{ active: number; receiving: number }> {
    return this.counts.audience(
      newsletterId,
      articles.flatMap((a) => a.topics),
    );
  }

  forEdition(newsletterId: number, articles: AudienceArticle[]): Audience {
    return {
      newsletterId,
      articles: articles.map((a) => ({ id: a.id, topics: a.topics })),
      directLinks: this.directLinks(),
    };
  }

  /**
   * Every active reader subscribed to an alerts newsletter, each getting the whole edition (`all`): the audience
   * of a breaking alert (readers' topics do not filter alerts; an alerts newsletter's own topics do).
   */
  forAlert(newsletterId: number): Audience {
    return { newsletterId, articles: null, directLinks: this.directLinks() };
  }

  /** Readers who opted out of click tracking get their own segment only where clicks are tracked at all. */
  private directLinks(): boolean {
    return this.config.engagement.clickTracking;
  }
}
