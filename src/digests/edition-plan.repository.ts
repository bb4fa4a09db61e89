import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { EditionPlanRow } from './edition-plan.entity';

export type EditionPlanPatch = Partial<
  Pick<
    EditionPlanRow,
    'excludedArticleIds' | 'orderedArticleIds' | 'leadArticleId' | 'subject' | 'preheader' | 'editorNote'
  >
>;

/** SQL for edition_plans: one row per digest newsletter (by slug; `daily`, `weekly`), changed by editors, consumed by the edition it shaped. */
@Injectable()
export class EditionPlanRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  find(frequency: string, manager: EntityManager = this.dataSource.manager): Promise<EditionPlanRow | null> {
    return manager.getRepository(EditionPlanRow).findOneBy({ frequency });
  }

  /**
   * Changes the plan of a frequency under a row lock: `change` sees the current plan (or an empty one) and
   * returns the fields to set, so two editors clicking at once both land.
   */
  async update(
    frequency: string,
    updatedBy: string,
    change: (current: EditionPlanRow) => EditionPlanPatch | Promise<EditionPlanPatch>,
  ): Promise<EditionPlanRow> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('INSERT INTO edition_plans (frequency) VALUES ($1) ON CONFLICT (frequency) DO NOTHING', [
        frequency,
      ]);
      const repo = manager.getRepository(EditionPlanRow);
      const current = await repo.findOneOrFail({ where: { frequency }, lock: { mode: 'pessimistic_write' } });
      const patch = await change(current);
      await repo.update({ frequency }, { ...patch, updatedBy, updatedAt: new Date() });
      return repo.findOneByOrFail({ frequency });
    });
  }

  /** Forgets the plan (an edition used it, or an editor started over). */
  async consume(frequency: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query('DELETE FROM edition_plans WHERE frequency = $1', [frequency]);
  }
}
