import { ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { DeliveryQueue } from '../delivery/delivery-queue';
import type { Frequency } from '../subscribers/subscriber.entity';
import { EditionAssembler, type EditionPlan } from './edition-assembler';
import { editionKey } from './edition-calendar';
import { EditionRenderer } from './edition-renderer';
import { Edition, type EditionStatus } from './edition.entity';

// Every instance uses the same numbers: pg advisory locks are per database. 0x64696765 = "dige".
const DIGEST_LOCK_SPACE = 0x64696765;

const TRANSITIONS: Record<
  'pause' | 'resume' | 'cancel',
  { from: EditionStatus[]; to: EditionStatus; reason: string | null }
> = {
  pause: { from: ['sending'], to: 'paused', reason: 'paused by an editor' },
  resume: { from: ['paused'], to: 'sending', reason: null },
  cancel: { from: ['draft', 'scheduled', 'sending', 'paused'], to: 'cancelled', reason: 'cancelled by an editor' },
};

export type EditorAction = keyof typeof TRANSITIONS;

/**
 * An edition's life: created once per key (advisory lock + unique key), rendered, handed to the delivery
 * queue, paused, resumed or cancelled. Every status change is one conditional UPDATE, so concurrent
 * instances and editors can never both win a transition.
 */
// Edition ids are bigints; anything else in a URL would make PostgreSQL fail the cast.
const EDITION_ID = /^\d{1,18}$/;

function editionNotFound(id: string): NotFoundException {
  return new NotFoundException({ message: `Edition ${id} does not exist` });
}

@Injectable()
export class EditionsService {
  private readonly logger = new Logger(EditionsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly assembler: EditionAssembler,
    private readonly renderer: EditionRenderer,
    private readonly deliveryQueue: DeliveryQueue,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  /**
   * The scheduled edition for the tick at `tickAt`: created at most once across every instance. Returns
   * null when it already exists or another instance is creating it right now.
   */
  async createScheduled(frequency: Frequency, tickAt: Date): Promise<Edition | null> {
    const key = editionKey(frequency, tickAt, this.config.env.TIMEZONE);
    const edition = await this.dataSource.transaction(async (manager) => {
      const [{ locked }] = (await manager.query('SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS locked', [
        DIGEST_LOCK_SPACE,
        `digest:${frequency}`,
      ])) as { locked: boolean }[];
      if (!locked) {
        return null;
      }
      if (await manager.existsBy(Edition, { key })) {
        return null;
      }
      const plan = await this.assembler.plan(manager, frequency, this.clock.now());
      return this.insert(manager, key, plan, {}, 'schedule');
    });
    if (!edition) {
      this.logger.debug(`Edition ${key} already exists or is being created elsewhere`);
      return null;
    }
    return this.handOff(edition);
  }

  /**
   * An edition made now by an editor. Its key is the scheduled key of the moment plus `/editor-<ms>`, so it
   * never takes the scheduled edition's place: the next scheduled edition simply starts where it ended.
   */
  async createNow(
    frequency: Frequency,
    options: { articleIds?: string[]; subject?: string },
    triggeredBy = 'editor',
  ): Promise<Edition> {
    const now = this.clock.now();
    const key = `${editionKey(frequency, now, this.config.env.TIMEZONE)}/editor-${now.getTime()}`;
    const edition = await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [DIGEST_LOCK_SPACE, `digest:${frequency}`]);
      const plan = options.articleIds?.length
        ? await this.assembler.chosen(manager, frequency, now, options.articleIds)
        : await this.assembler.plan(manager, frequency, now);
      if (plan.articles.length === 0) {
        throw new ConflictException({
          message: `No new ${frequency} articles since the last edition: nothing to send`,
        });
      }
      return this.insert(manager, key, plan, { subject: options.subject }, triggeredBy);
    });
    return this.handOff(edition);
  }

  /** The next edition as it would be now, without saving anything. */
  preview(frequency: Frequency): Promise<EditionPlan> {
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
      const skipped = await this.transition(edition.id, ['draft'], 'skipped', 'no new articles');
      this.logger.log(`Edition ${edition.key} skipped: no new articles`);
      return skipped ?? edition;
    }
    await this.renderer.renderForSegment(edition.id, 'all');
    const sending = await this.transition(edition.id, ['draft'], 'sending', null, { sendingStartedAt: true });
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
      const message = err instanceof Error ? err.message : String(err);
      this.logger.error(`Edition ${edition.key} (#${edition.id}) could not be queued: ${message}`);
      return (
        (await this.transition(edition.id, ['sending'], 'draft', `could not queue deliveries: ${message}`)) ?? sending
      );
    }
  }

  /** Hands off every edition left in draft (a crash between creation and queueing). */
  async handOffDrafts(): Promise<number> {
    const drafts = await this.dataSource
      .getRepository(Edition)
      .find({ where: { status: 'draft' }, order: { id: 'ASC' } });
    for (const draft of drafts) {
      await this.handOff(draft);
    }
    return drafts.length;
  }

  async act(id: string, action: EditorAction): Promise<Edition> {
    if (!EDITION_ID.test(id)) {
      throw editionNotFound(id);
    }
    const rule = TRANSITIONS[action];
    const changed = await this.transition(id, rule.from, rule.to, rule.reason);
    if (changed) {
      this.logger.log(`Edition #${id}: ${action} → ${rule.to}`);
      return changed;
    }
    const current = await this.findOrFail(id);
    throw new ConflictException({
      message: `Edition ${id} is ${current.status}: ${action} is only possible when it is ${rule.from.join(' or ')}`,
    });
  }

  /** The edition, or null; an id that is not a bigint (from a URL) is simply not found. */
  async find(id: string): Promise<Edition | null> {
    return EDITION_ID.test(id) ? this.dataSource.getRepository(Edition).findOneBy({ id }) : null;
  }

  async findOrFail(id: string): Promise<Edition> {
    const edition = await this.find(id);
    if (!edition) {
      throw editionNotFound(id);
    }
    return edition;
  }

  private async transition(
    id: string,
    from: EditionStatus[],
    to: EditionStatus,
    reason: string | null,
    options: { sendingStartedAt?: boolean } = {},
  ): Promise<Edition | null> {
    const rows: unknown[] = await this.dataSource.query(
      `UPDATE editions
          SET status = $3, status_reason = $4, updated_at = now(),
              sending_started_at = CASE WHEN $5 THEN COALESCE(sending_started_at, $6) ELSE sending_started_at END
        WHERE id = $1 AND status = ANY($2)
        RETURNING id`,
      [id, from, to, reason, options.sendingStartedAt === true, this.clock.now()],
    );
    // UPDATE … RETURNING through the driver yields [rows, count].
    const returned = Array.isArray(rows[0]) ? (rows[0] as unknown[]) : rows;
    return returned.length > 0 ? this.find(id) : null;
  }

  private async insert(
    manager: EntityManager,
    key: string,
    plan: EditionPlan,
    overrides: { subject?: string },
    triggeredBy: string,
  ): Promise<Edition> {
    const subject =
      overrides.subject?.trim() || this.renderer.defaultSubject(plan.frequency, plan.windowTo, plan.windowFrom);
    const rows: { id: string }[] = await manager.query(
      `INSERT INTO editions (key, frequency, window_from, window_to, article_ids, left_out_article_ids, subject,
                             preheader, status, triggered_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'draft', $9)
       RETURNING id`,
      [
        key,
        plan.frequency,
        plan.windowFrom,
        plan.windowTo,
        plan.articles.map((a) => a.id),
        plan.leftOut.map((a) => a.id),
        subject,
        this.renderer.defaultPreheader(plan.articles),
        triggeredBy,
      ],
    );
    if (plan.leftOut.length > 0) {
      this.logger.warn(
        `Edition ${key}: ${plan.leftOut.length} article(s) beyond DIGEST_MAX_ARTICLES=${this.config.env.DIGEST_MAX_ARTICLES} left out`,
      );
    }
    this.logger.log(`Edition ${key} (#${rows[0].id}) created with ${plan.articles.length} article(s)`);
    return manager.getRepository(Edition).findOneByOrFail({ id: rows[0].id });
  }
}
