import { Injectable, Logger } from '@nestjs/common';
import type { Article } from '../articles/article.entity';
import { InvalidInputError } from '../common/domain-errors';
import { AudienceRepository } from '../subscribers/audience.repository';
import type { EditionPlan } from './edition-assembler';
import { EditionPlanRepository, type EditionPlanPatch } from './edition-plan.repository';
import { EditionRenderer } from './edition-renderer';
import type { EditionPlanRow } from './edition-plan.entity';
import { moved } from './editorial-plan';
import { EditionsService } from './editions.service';
import { ownName } from './newsletter-names';

export type PlanAction = 'drop' | 'restore' | 'up' | 'down' | 'pin' | 'unpin';

export interface PlanTexts {
  subject?: string | null;
  preheader?: string | null;
  editorNote?: string | null;
}

/** The next edition as an editor sees it before sending. */
export interface NextEditionView {
  /** The digest newsletter's slug (`daily`, `weekly`, or another). */
  frequency: string;
  plan: EditionPlan;
  subject: string;
  preheader: string;
  editorNote: string | null;
  /** The pinned lead story, if an editor pinned one. */
  pinnedArticleId: string | null;
  audience: Audience;
}

/** Who would get the edition if it went out now. */
export interface Audience {
  /** Active readers of the frequency. */
  active: number;
  /** Of those, readers who would get an email (readers following topics none of the articles carry get none). */
  receiving: number;
}

const blankToNull = (value: string | null | undefined): string | null => value?.trim() || null;

/**
 * The editors' plan for the next edition of a frequency: drop an article, move it up or down, pin it as the
 * lead story, set the subject, preheader and editor's note. Decisions are stored in edition_plans and applied
 * by EditionAssembler to previews and to the edition when it is created (which consumes the plan).
 */
@Injectable()
export class NextEditionPlanService {
  private readonly logger = new Logger(NextEditionPlanService.name);

  constructor(
    private readonly plans: EditionPlanRepository,
    private readonly editions: EditionsService,
    private readonly renderer: EditionRenderer,
    private readonly audiences: AudienceRepository,
  ) {}

  async view(frequency: string): Promise<NextEditionView> {
    const [plan, decisions] = await Promise.all([this.editions.preview(frequency), this.plans.find(frequency)]);
    return {
      frequency,
      plan,
      subject:
        plan.subject?.trim() || this.renderer.defaultSubject(plan.frequency, plan.windowTo, undefined, ownName(plan)),
      preheader: plan.preheader?.trim() || this.renderer.defaultPreheader(plan.articles),
      editorNote: plan.editorNote ?? null,
      pinnedArticleId: decisions?.leadArticleId ?? null,
      audience: await this.audience(plan.newsletterId, plan.articles),
    };
  }

  /** Sets the given fields of the plan at once (the machines' API). */
  async replace(frequency: string, patch: EditionPlanPatch, editor: string): Promise<void> {
    await this.plans.update(frequency, editor, () => ({
      ...patch,
      ...('subject' in patch ? { subject: blankToNull(patch.subject) } : {}),
      ...('preheader' in patch ? { preheader: blankToNull(patch.preheader) } : {}),
      ...('editorNote' in patch ? { editorNote: blankToNull(patch.editorNote) } : {}),
    }));
  }

  /** The next edition as it would be now, with the plan applied (nothing saved). */
  preview(frequency: string): Promise<EditionPlan> {
    return this.editions.preview(frequency);
  }

  decisions(frequency: string): Promise<EditionPlanRow | null> {
    return this.plans.find(frequency);
  }

  async act(frequency: string, articleId: string, action: PlanAction, editor: string): Promise<void> {
    const next = await this.editions.preview(frequency);
    const shown = next.articles.map((a) => a.id);
    const known = [...next.articles, ...next.leftOut, ...(next.dropped ?? [])].some((a) => a.id === articleId);
    if (!known) {
      throw new InvalidInputError('هذا المقال ليس بين مقالات النشرة القادمة');
    }
    await this.plans.update(frequency, editor, (plan) => {
      const excluded = plan.excludedArticleIds.filter((id) => id !== articleId);
      switch (action) {
        case 'drop':
          return {
            excludedArticleIds: [...excluded, articleId],
            leadArticleId: plan.leadArticleId === articleId ? null : plan.leadArticleId,
          };
        case 'restore':
          return { excludedArticleIds: excluded };
        case 'pin':
          return { leadArticleId: articleId, excludedArticleIds: excluded };
        case 'unpin':
          return { leadArticleId: null };
        case 'up':
        case 'down': {
          const order = moved(shown, articleId, action);
          // Moving the lead down, or another article above it, means the editor no longer wants it pinned.
          const leadMoved = plan.leadArticleId !== null && order[0] !== plan.leadArticleId;
          return { orderedArticleIds: order, leadArticleId: leadMoved ? null : plan.leadArticleId };
        }
      }
    });
    this.logger.log(`Next ${frequency} edition: ${action} article ${articleId} by ${editor}`);
  }

  async setTexts(frequency: string, texts: PlanTexts, editor: string): Promise<void> {
    await this.plans.update(frequency, editor, () => ({
      subject: blankToNull(texts.subject),
      preheader: blankToNull(texts.preheader),
      editorNote: blankToNull(texts.editorNote),
    }));
  }

  /** Forget every decision: the next edition goes back to the default selection. */
  reset(frequency: string): Promise<void> {
    return this.plans.consume(frequency);
  }

  /** How many readers the edition would reach if sent now, from the kept counts the audience query agrees with. */
  audience(newsletterId: number, articles: Article[]): Promise<Audience> {
    return this.audiences.sizeOf(newsletterId, articles);
  }
}
