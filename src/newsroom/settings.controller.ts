import { Body, Controller, UseFilters, Get, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentEditor, type SignedInEditor } from '../auth/current-editor';
import { NewsroomPage } from '../auth/newsroom-page';
import { SecondStep } from '../auth/second-step';
import { weekdayNames } from '../common/formatter';
import { AppConfig } from '../config/app-config';
import { DigestScheduler } from '../digests/digest-scheduler';
import { DigestSettingsService } from '../digests/digest-settings.service';
import { DigestSettingsDto } from '../digests/dto/digest-plan.dto';
import { NewsroomFormErrors } from './form-errors.filter';
import { FeedsCard } from './feeds-card';
import { ActionOutcome, NewsroomAction } from './newsroom-action';
import { NewsroomView } from './newsroom-view';
import { NextDigestViewModel } from './next-digest.view';
import { RequirePermission } from '../auth/require-permission';

/**
 * Newsroom → Settings. The digest part (schedules, articles per digest, order) is stored in the database and
 * followed by every instance without a restart. Other sections of the page (feeds) add their own card to
 * templates/newsroom/settings.hbs and their context here.
 */
@ApiExcludeController()
@NewsroomPage()
@UseFilters(NewsroomFormErrors)
@Controller('admin/settings')
@RequirePermission('newsletters.manage')
export class SettingsController {
  constructor(
    private readonly settings: DigestSettingsService,
    private readonly scheduler: DigestScheduler,
    private readonly views: NextDigestViewModel,
    private readonly view: NewsroomView,
    private readonly config: AppConfig,
    private readonly feeds: FeedsCard,
    private readonly secondStep: SecondStep,
  ) {}

  @Get()
  async page(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.view.page(
      req,
      res,
      'settings',
      {
        ...(await this.feeds.context('/admin/settings')),
        digest: await this.digestSection(),
        timeZone: this.config.publication.timeZone,
        signIn: { requireSecondStep: await this.secondStep.settings.requireSecondStep() },
      },
      {
        nav: 'settings',
        title: this.view.t('newsroom.settings.title'),
      },
    );
  }

  @Post('digest')
  @NewsroomAction('settings.digest', { redirect: '/admin/settings' })
  async saveDigest(@Body() body: DigestSettingsDto, @CurrentEditor() editor: SignedInEditor): Promise<ActionOutcome> {
    const before = await this.settings.current();
    const saved = await this.settings.save(body, editor.email);
    return {
      subject: 'digest-settings',
      detail: {
        from: { daily: before.dailyCron, weekly: before.weeklyCron, max: before.maxArticles, order: before.order },
        to: { daily: saved.dailyCron, weekly: saved.weeklyCron, max: saved.maxArticles, order: saved.order },
      },
      flash: this.view.t('newsroom.settings.saved', { when: this.views.when(this.scheduler.nextRunAt('daily')) }),
    };
  }

  private async digestSection(): Promise<Record<string, unknown>> {
    const current = await this.settings.current();
    const nextDaily = this.scheduler.nextRunAt('daily');
    const nextWeekly = this.scheduler.nextRunAt('weekly');
    return {
      fromDatabase: current.source === 'database',
      updatedAt: current.updatedAt ? this.views.when(current.updatedAt) : null,
      updatedBy: current.updatedBy,
      dailyTime: current.dailyTime,
      dailyDays: weekdayNames().map((label, value) => ({ label, value, checked: current.dailyDays.includes(value) })),
      weeklyTime: current.weeklyTime,
      weeklyDays: weekdayNames().map((label, value) => ({ label, value, checked: current.weeklyDay === value })),
      maxArticles: current.maxArticles,
      newestFirst: current.order === 'newest',
      nextDaily: this.views.when(nextDaily),
      nextDailyIso: nextDaily.toISOString(),
      nextWeekly: this.views.when(nextWeekly),
      nextWeeklyIso: nextWeekly.toISOString(),
    };
  }
}
