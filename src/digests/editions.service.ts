import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock';
import { ConflictError, NotFoundError } from '../common/domain-errors';
import { errorMessage } from '../common/error-message';
import { AppConfig } from '../config/app-config';
import { acquireTransactionLock, LOCK_KEYS, type LockKey, tryTransactionLock } from '../database/advisory-lock';
import { DeliveryQueue } from '../delivery/delivery-queue';
import { EditionAssembler, type EditionPlan } from './edition-assembler';
import { ownName } from './newsletter-names';
import { newsletterEditionKey } from './edition-calendar';
import { EditionPlanRepository } from './edition-plan.repository';
import { EditionRenderer } from './edition-renderer';
import { Edition } from './edition.entity';
import { EDITION_CHANGES, EditionsRepository } from './editions.repository';

/** The changes an editor may ask for (POST /admin/digests/:id/<action>). */
export type EditorAction = 'pause' | 'resume' | 'cancel';

/**
 * An edition's life: created once per key (advisory lock + unique key), rendered, handed to the delivery
 * queue, paused, resumed or cancelled. Every status change is one of EDITION_CHANGES (editions.repository.ts),
 * a conditional UPDATE, so concurrent instances and editors can never both win a transition.
 */
// Edition ids are bigints; anything else in a URL would make PostgreSQL fail the cast.
const EDITION_ID = /^\d{1,18}$/;

function editionNotFound(id: string): NotFoundError {
  return new NotFoundError(`Edition ${id} does not exist`);
}

/** One lock per digest newsletter: creating an edition of a newsletter is one instance's job at a time. */
function digestLock(slug: string): LockKey {
  return { space: LOCK_KEYS.digest, name: `digest:${slug}` };
}

@Injectable()
export class EditionsService {
  private readonly logger = new Logger(EditionsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly editions: EditionsRepository,
    private readonly assembler: EditionAssembler,
    private readonly renderer: EditionRenderer,
    private readonly deliveryQueue: DeliveryQueue,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly editorialPlans: EditionPlanRepository,
  ) {}

  /**
   * The scheduled edition for the tick at `tickAt`: created at most once across every instance. Returns
   * null when it already exists or another instance is creating it right now.
   */
  async createScheduled(slug: string, tickAt: Date): Promise<Edition | null> {
    const edition = await this.dataSource.transaction(async (manager) => {
      const newsletter = await this.assembler.newsletter(manager, slug);
      const key = newsletterEditionKey(slug, newsletter.period ?? 'daily', tickAt, this.config.publication.timeZone);
      if (!(await tryTransactionLock(manager, digestLock(slug)))) {
        return null;
      }
      if (await this.editions.exists(manager, key)) {
        return null;
      }
      const plan = await this.assembler.plan(manager, slug, this.clock.now());
      return this.insert(manager, key, plan, {}, 'schedule');
    });
    if (!edition) {
      this.logger.debug(`The ${slug} edition of this tick already exists or is being created elsewhere`);
      return null;
    }
    return this.handOff(edition);
  }

  /**
   * An edition made now by an editor. Its key is the scheduled key of the moment plus `/editor-<ms>`, so it
   * never takes the scheduled edition's place: the next scheduled edition simply starts where it ended.
   */
  async createNow(
    frequency: string,
    options: { articleIds?: string[]; subject?: string },
    triggeredBy = 'editor',
  ): Promise<Edition> {
    return this.handOff(await this.createForEditor(frequency, options, triggeredBy));
  }

  /**
   * Like createNow, but the edition waits in status `scheduled` until `at`, when ScheduledEditions hands it off.
   * Its articles are chosen now (what the editor previewed), so the scheduled daily run does not take them too.
   */
  scheduleFor(frequency: string, at: Date, triggeredBy = 'editor'): Promise<Edition> {
    return this.createForEditor(frequency, { scheduledFor: at }, triggeredBy);
  }

  private async createForEditor(
    frequency: string,
    options: { articleIds?: string[]; subject?: string; scheduledFor?: Date },
    triggeredBy: string,
  ): Promise<Edition> {
    const now = this.clock.now();
    return this.dataSource.transaction(async (manager) => {
      const newsletter = await this.assembler.newsletter(manager, frequency);
      const scheduledKey = newsletterEditionKey(
        frequency,
        newsletter.period ?? 'daily',
        now,
        this.config.publication.timeZone,
      );
      const key = `${scheduledKey}/editor-${now.getTime()}`;
      await acquireTransactionLock(manager, digestLock(frequency));
      const plan = options.articleIds?.length
        ? await this.assembler.chosen(manager, frequency, now, options.articleIds)
        : await this.assembler.plan(manager, frequency, now);
      if (plan.articles.length === 0) {
        throw new ConflictError(`No new ${frequency} articles since the last edition: nothing to send`);
      }
      return this.insert(manager, key, plan, options, triggeredBy);
    });
  }

  /** The next edition as it would be now, without saving anything. */
  preview(frequency: string): Promise<EditionPlan> {
    return this.dataSource.transaction('REPEATABLE READ', (manager) =>
      this.assembler.plan(manager, frequency, this.clock.now()),
    );
  }

  /**
   * draft → skipped (no articles) or, after rendering, draft → sending and onto the delivery queue. Safe to call
   * again for an edition left in draft by a crash: only one caller wins the transition.
   */
  async handOff(edition: Edition): Promise<Edition> {
    if (edition.articleIds.length === 0) {
      const skipped = await this.changeAndFind(edition.id, 'skip');
      this.logger.log(`Edition ${edition.key} skipped: no new articles`);
      return skipped ?? edition;
    }
    await this.renderer.renderForSegment(edition.id, 'all');
    const sending = await this.changeAndFind(edition.id, 'startSending');
    if (!sending) {
      return (await this.find(edition.id)) ?? edition;
    }
    try {
      const { queued, skipped } = await this.deliveryQueue.queueEdition(edition.id);
      this.logger.log(
        `Edition ${edition.key} (#${edition.id}) handed to delivery: ${queued} queued, ${skipped} skipped`,
      );
      return sending;
    } catch (err) {
      // Back to draft so the hand-off is retried (at the next start, or by an editor) instead of an edition
      // that says "sending" with nobody queued.
      const message = errorMessage(err);
      this.logger.error(`Edition ${edition.key} (#${edition.id}) could not be queued: ${message}`);
      const reason = `${EDITION_CHANGES.backToDraft.reason}: ${message}`;
      return (await this.changeAndFind(edition.id, 'backToDraft', reason)) ?? sending;
    }
  }

  /** Hands off every edition left in draft (a crash between creation and queueing). */
  async handOffDrafts(): Promise<number> {
    const drafts = await this.editions.drafts();
    for (const draft of drafts) {
      await this.handOff(draft);
    }
    return drafts.length;
  }

  async act(id: string, action: EditorAction): Promise<Edition> {
    if (!EDITION_ID.test(id)) {
      throw editionNotFound(id);
    }
    const changed = await this.changeAndFind(id, action);
    const rule = EDITION_CHANGES[action];
    if (changed) {
      this.logger.log(`Edition #${id}: ${action} → ${rule.to}`);
      return changed;
    }
    const current = await this.findOrFail(id);
    throw new ConflictError(
      `Edition ${id} is ${current.status}: ${action} is only possible when it is ${rule.from.join(' or ')}`,
    );
  }

  /** The edition, or null; an id that is not a bigint (from a URL) is simply not found. */
  async find(id: string): Promise<Edition | null> {
    return EDITION_ID.test(id) ? this.editions.find(id) : null;
  }

  async findOrFail(id: string): Promise<Edition> {
    const edition = await this.find(id);
    if (!edition) {
      throw editionNotFound(id);
    }
    return edition;
  }

  private async changeAndFind(
    id: string,
    change: keyof typeof EDITION_CHANGES,
    reason?: string,
  ): Promise<Edition | null> {
    return (await this.editions.change(id, change, reason)) ? this.find(id) : null;
  }

  private async insert(
    manager: EntityManager,
    key: string,
    plan: EditionPlan,
    overrides: { subject?: string; scheduledFor?: Date },
    triggeredBy: string,
  ): Promise<Edition> {
    const edition = await this.editions.insert(manager, {
      key,
      frequency: plan.frequency,
      newsletterId: plan.newsletterId,
      windowFrom: plan.windowFrom,
      windowTo: plan.windowTo,
      articleIds: plan.articles.map((a) => a.id),
      // Articles an editor dropped are recorded with the left-out ones: not sent, not proposed again.
      leftOutArticleIds: [...plan.leftOut, ...(plan.dropped ?? [])].map((a) => a.id),
      subject:
        overrides.subject?.trim() ||
        plan.subject?.trim() ||
        this.renderer.defaultSubject(plan.frequency, plan.windowTo, plan.windowFrom, ownName(plan)),
      preheader: plan.preheader?.trim() || this.renderer.defaultPreheader(plan.articles),
      triggeredBy,
      editorNote: plan.editorNote?.trim() || null,
      scheduledFor: overrides.scheduledFor ?? null,
    });
    if (plan.planned) {
      // The editor's plan shaped this edition; the next one starts fresh.
      await this.editorialPlans.consume(plan.slug, manager);
    }
    if (plan.leftOut.length > 0) {
      this.logger.warn(
        `Edition ${key}: ${plan.leftOut.length} article(s) beyond DIGEST_MAX_ARTICLES=${this.config.digests.maxArticles} left out`,
      );
    }
    this.logger.log(`Edition ${key} (#${edition.id}) created with ${plan.articles.length} article(s)`);
    return edition;
  }
}
