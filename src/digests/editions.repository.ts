import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Frequency } from '../common/frequency';
import { Clock } from '../common/clock';
import { returnedRows } from '../database/returning';
import { EditionRender } from './edition-render.entity';
import { Edition, type EditionKind, type EditionStatus } from './edition.entity';

/** status_reason prefix of an edition paused because too many of its deliveries failed. */
export const FAILURE_PAUSE_REASON_PREFIX = 'Paused automatically:';
/**
 * status_reason prefix of an edition paused because its complaints (or one provider's hard bounces) put the
 * domain's reputation at risk. Unlike a failure pause, re-queuing failed rows does not resume it: an editor does.
 */
export const REPUTATION_PAUSE_REASON_PREFIX = 'Paused to protect the reputation:';

interface EditionChange {
  from: EditionStatus[];
  to: EditionStatus;
  /** Default status_reason (callers may give the specific one). */
  reason: string | null;
  /** Extra SQL condition on the row, beyond its status. */
  guard?: string;
  /** sending_started_at: set once, the first time the edition starts sending. */
  stampsSendingStart?: boolean;
  /** sent_at: stamped when the send finished, cleared when it starts again. */
  sentAt?: 'stamp' | 'clear';
}

/**
 * Every status an edition can go through, and the only way it changes: one conditional UPDATE per change
 * (`WHERE status IN from`), so concurrent instances, workers and editors can never both win.
 */
export const EDITION_CHANGES = {
  // The digests side: creation hands off, or skips an empty edition.
  skip: { from: ['draft'], to: 'skipped', reason: 'no new articles' },
  startSending: { from: ['draft'], to: 'sending', reason: null, stampsSendingStart: true },
  backToDraft: { from: ['sending'], to: 'draft', reason: 'could not queue deliveries' },
  // An editor's scheduled edition whose time has come (ScheduledEditions), then handed off like any draft.
  release: { from: ['scheduled'], to: 'draft', reason: null },
  // Editors.
  pause: { from: ['sending'], to: 'paused', reason: 'paused by an editor' },
  resume: { from: ['paused'], to: 'sending', reason: null },
  cancel: { from: ['draft', 'scheduled', 'sending', 'paused'], to: 'cancelled', reason: 'cancelled by an editor' },
  // Facts the delivery ledger reports (EditionLifecycle).
  finish: { from: ['sending'], to: 'sent', reason: null, sentAt: 'stamp' },
  // An edition with no ledger row at all is finished only after a minute of sending untouched, never in the
  // short gap between startSending and its audience being queued.
  finishEmpty: {
    from: ['sending'],
    to: 'sent',
    reason: 'no active readers',
    sentAt: 'stamp',
    guard: `updated_at < clock_timestamp() - interval '1 minute'`,
  },
  autoPause: { from: ['sending'], to: 'paused', reason: FAILURE_PAUSE_REASON_PREFIX },
  // Deliverability's fact: complaints or one provider's hard bounces passed their limit (resumed by an editor).
  reputationPause: { from: ['sending'], to: 'paused', reason: REPUTATION_PAUSE_REASON_PREFIX },
  // Failed rows queued again: a finished or automatically paused edition sends again; an edition an editor
  // paused or cancelled keeps its status (resuming it is the editor's call).
  resend: {
    from: ['sent', 'paused'],
    to: 'sending',
    reason: null,
    sentAt: 'clear',
    guard: `(status = 'sent' OR status_reason LIKE '${FAILURE_PAUSE_REASON_PREFIX}%')`,
  },
} satisfies Record<string, EditionChange>;

export type EditionChangeName = keyof typeof EDITION_CHANGES;

/** Each newsletter's latest sent edition: one index walk per newsletter (ix_editions_newsletter), newest first. */
export const LAST_SENT_BY_NEWSLETTER_SQL = `
  SELECT n.slug, e.id::text, e.subject, e.sent_at FROM newsletters n
   CROSS JOIN LATERAL (SELECT id, subject, sent_at FROM editions
                        WHERE newsletter_id = n.id AND status = 'sent'
                        ORDER BY window_to DESC, id DESC LIMIT 1) e`;

/** The editions table's SQL. */
@Injectable()
export class EditionsRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  /** Applies a change from EDITION_CHANGES; false when the edition was not in a state that allows it. */
  async change(id: string, name: EditionChangeName, reason?: string | null): Promise<boolean> {
    const change: EditionChange = EDITION_CHANGES[name];
    const rows = returnedRows(
      await this.dataSource.query(
        `UPDATE editions
            SET status = $3, status_reason = $4, updated_at = clock_timestamp(),
                sending_started_at = CASE WHEN $5 THEN COALESCE(sending_started_at, $6) ELSE sending_started_at END,
                sent_at = CASE $7::text WHEN 'stamp' THEN clock_timestamp() WHEN 'clear' THEN NULL ELSE sent_at END
          WHERE id = $1 AND status = ANY($2) AND ${change.guard ?? 'true'}
          RETURNING id`,
        [
          id,
          change.from,
          change.to,
          reason === undefined ? change.reason : reason,
          change.stampsSendingStart === true,
          this.clock.now(),
          change.sentAt ?? null,
        ],
      ),
    );
    return rows.length > 0;
  }

  find(id: string): Promise<Edition | null> {
    return this.dataSource.getRepository(Edition).findOneBy({ id });
  }

  drafts(): Promise<Edition[]> {
    return this.dataSource.getRepository(Edition).find({ where: { status: 'draft' }, order: { id: 'ASC' } });
  }

  /** Newest first, `take` at most, before an id; without the compiled html/text, which a list does not need. */
  /**
   * A page of editions, newest first, without their compiled html/text. `from`/`to` are days (YYYY-MM-DD) in
   * `timeZone`, both included, on the creation time.
   */
  page(filter: {
    kind?: EditionKind;
    frequency?: Frequency;
    /** A newsletter's slug. */
    newsletter?: string;
    status?: EditionStatus;
    from?: string;
    to?: string;
    timeZone: string;
    before?: string;
    take: number;
  }): Promise<Edition[]> {
    const columns = ['id', 'key', 'kind', 'frequency', 'newsletterId', 'status', 'statusReason', 'subject', 'preheader']
      .concat(['windowFrom', 'windowTo', 'articleIds', 'leftOutArticleIds', 'triggeredBy', 'createdAt'])
      .concat(['sendingStartedAt', 'sentAt']);
    const q = this.dataSource
      .getRepository(Edition)
      .createQueryBuilder('e')
      .select(columns.map((c) => `e.${c}`))
      .orderBy('e.id', 'DESC')
      .take(filter.take);
    if (filter.kind) {
      q.andWhere('e.kind = :kind', { kind: filter.kind });
    }
    if (filter.frequency) {
      q.andWhere('e.frequency = :frequency', { frequency: filter.frequency });
    }
    if (filter.newsletter) {
      q.andWhere('e.newsletter_id = (SELECT n.id FROM newsletters n WHERE n.slug = :newsletter)', {
        newsletter: filter.newsletter,
      });
    }
    if (filter.status) {
      q.andWhere('e.status = :status', { status: filter.status });
    }
    const tz = filter.timeZone;
    if (filter.from) {
      q.andWhere(`e.createdAt >= (CAST(:from AS date)::timestamp AT TIME ZONE :tz)`, { from: filter.from, tz });
    }
    if (filter.to) {
      q.andWhere(`e.createdAt < ((CAST(:to AS date) + 1)::timestamp AT TIME ZONE :tz)`, { to: filter.to, tz });
    }
    if (filter.before) {
      q.andWhere('e.id < :before', { before: filter.before });
    }
    return q.getMany();
  }

  /** The compiled emails stored for an edition (`all`, then each topic segment), without their HTML. */
  async storedRenders(editionId: string): Promise<Array<{ segmentKey: string; articleCount: number }>> {
    const rows = await this.dataSource.getRepository(EditionRender).find({
      where: { editionId },
      select: { segmentKey: true, articleIds: true },
      order: { id: 'ASC' },
    });
    return rows.map((r) => ({ segmentKey: r.segmentKey, articleCount: r.articleIds.length }));
  }

  /** One stored render as it went out (readers' links still placeholders), or null. */
  storedRender(editionId: string, segmentKey: string): Promise<EditionRender | null> {
    return this.dataSource.getRepository(EditionRender).findOneBy({ editionId, segmentKey });
  }

  /** Whether the schedule ever made an edition of this digest newsletter, and where the last live one ends. */
  async scheduleState(slug: string): Promise<{ scheduledBefore: boolean; lastWindowTo: Date | null }> {
    const [row]: Array<{ scheduled_before: boolean | null; last_window_to: Date | null }> = await this.dataSource.query(
      `SELECT bool_or(triggered_by = 'schedule') AS scheduled_before, max(window_to) AS last_window_to
         FROM editions WHERE newsletter_id = (SELECT id FROM newsletters WHERE slug = $1) AND status <> 'cancelled'`,
      [slug],
    );
    return { scheduledBefore: row.scheduled_before === true, lastWindowTo: row.last_window_to };
  }

  /** The newsletter an edition belongs to, as its emails name it (null: an edition made before newsletters). */
  async listOf(editionId: string): Promise<{ slug: string; name: string; senderName: string | null } | null> {
    const [row]: Array<{ slug: string; name: string; senderName: string | null }> = await this.dataSource.query(
      `SELECT n.slug, n.name, n.sender_name AS "senderName"
         FROM editions e JOIN newsletters n ON n.id = e.newsletter_id WHERE e.id = $1`,
      [editionId],
    );
    return row ?? null;
  }

  /** Each newsletter's latest edition that went out (by newsletter slug), for the Newsletters screen. */
  async lastSentByNewsletter(): Promise<Map<string, { id: string; subject: string; sentAt: Date }>> {
    const rows: Array<{ slug: string; id: string; subject: string; sent_at: Date }> =
      await this.dataSource.query(LAST_SENT_BY_NEWSLETTER_SQL);
    return new Map(rows.map((r) => [r.slug, { id: r.id, subject: r.subject, sentAt: r.sent_at }]));
  }

  async idsWithStatus(status: EditionStatus): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT id::text FROM editions WHERE status = $1 ORDER BY id`,
      [status],
    );
    return rows.map((r) => r.id);
  }

  async labels(ids: string[]): Promise<Map<string, { key: string; subject: string }>> {
    const rows: Array<{ id: string; key: string; subject: string }> = await this.dataSource.query(
      `SELECT id::text, key, subject FROM editions WHERE id = ANY($1::bigint[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, { key: r.key, subject: r.subject }]));
  }

  /** The topics of an edition's articles (an article deleted since has none to match). */
  async articleTopics(articleIds: string[]): Promise<Array<{ id: string; topics: string[] }>> {
    return this.dataSource.query(`SELECT id::text, topics FROM articles WHERE id = ANY($1::bigint[]) ORDER BY id`, [
      articleIds,
    ]);
  }

  /** Ids of scheduled editions due at `now`, soonest first. */
  async dueScheduled(now: Date): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT id::text FROM editions WHERE status = 'scheduled' AND scheduled_for <= $1 ORDER BY scheduled_for, id`,
      [now],
    );
    return rows.map((r) => r.id);
  }

  /** Scheduled editions not yet handed off, soonest first. */
  upcoming(slug?: string): Promise<Edition[]> {
    const query = this.dataSource
      .getRepository(Edition)
      .createQueryBuilder('e')
      .where(`e.status = 'scheduled'`)
      .orderBy('e.scheduledFor', 'ASC')
      .addOrderBy('e.id', 'ASC');
    if (slug) {
      query.andWhere('e.newsletter_id = (SELECT n.id FROM newsletters n WHERE n.slug = :slug)', { slug });
    }
    return query.getMany();
  }

  exists(manager: EntityManager, key: string): Promise<boolean> {
    return manager.existsBy(Edition, { key });
  }

  /** A new edition in draft, or in `scheduled` when it has a `scheduledFor` (an editor's scheduled send). */
  async insert(
    manager: EntityManager,
    values: Pick<
      Edition,
      | 'key'
      | 'frequency'
      | 'newsletterId'
      | 'windowFrom'
      | 'windowTo'
      | 'articleIds'
      | 'leftOutArticleIds'
      | 'subject'
      | 'preheader'
    > & { triggeredBy: string; editorNote?: string | null; scheduledFor?: Date | null },
  ): Promise<Edition> {
    const rows: { id: string }[] = await manager.query(
      `INSERT INTO editions (key, frequency, window_from, window_to, article_ids, left_out_article_ids, subject,
                             preheader, status, triggered_by, editor_note, scheduled_for, newsletter_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $11::timestamptz IS NULL THEN 'draft' ELSE 'scheduled' END,
               $9, $10, $11, $12)
       RETURNING id`,
      [
        values.key,
        values.frequency,
        values.windowFrom,
        values.windowTo,
        values.articleIds,
        values.leftOutArticleIds,
        values.subject,
        values.preheader,
        values.triggeredBy,
        values.editorNote ?? null,
        values.scheduledFor ?? null,
        values.newsletterId,
      ],
    );
    return manager.getRepository(Edition).findOneByOrFail({ id: rows[0].id });
  }

  /** A breaking alert in draft, or null when its key (one alert per article) is taken. */
  async insertAlert(
    values: Pick<Edition, 'key' | 'windowFrom' | 'articleIds' | 'subject' | 'preheader' | 'newsletterId'> & {
      triggeredBy: string;
    },
  ): Promise<Edition | null> {
    const rows: { id: string }[] = await this.dataSource.query(
      `INSERT INTO editions (key, kind, frequency, window_from, window_to, article_ids, subject, preheader, status,
                             triggered_by, newsletter_id)
       VALUES ($1, 'breaking', NULL, $2, $2, $3, $4, $5, 'draft', $6, $7)
       ON CONFLICT (key) DO NOTHING
       RETURNING id`,
      [
        values.key,
        values.windowFrom,
        values.articleIds,
        values.subject,
        values.preheader,
        values.triggeredBy,
        values.newsletterId,
      ],
    );
    return rows.length > 0 ? this.dataSource.getRepository(Edition).findOneByOrFail({ id: rows[0].id }) : null;
  }

  findByKey(key: string): Promise<Edition | null> {
    return this.dataSource.getRepository(Edition).findOneBy({ key });
  }
}
