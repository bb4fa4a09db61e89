import { Body, Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditLog } from '../auth/audit-log';
import { CurrentEditor, type SignedInEditor } from '../auth/current-editor';
import { EditorOnly } from '../auth/editor-only';
import { articleRef } from './digest-previews';
import { DigestScheduler } from './digest-scheduler';
import { DigestSettingsService } from './digest-settings.service';
import {
  DigestSettingsDto,
  DigestSettingsViewDto,
  FrequencyParamDto,
  PlanViewDto,
  UpdatePlanDto,
} from './dto/digest-plan.dto';
import { NextEditionPlanService } from './next-edition-plan.service';
import { RequirePermission } from '../auth/require-permission';

/** The same plan and settings the newsroom screens edit, for machines holding the editor token. */
@ApiTags('digests')
@EditorOnly()
@Controller('admin')
@RequirePermission('edition.prepare')
export class DigestPlanAdminController {
  constructor(
    private readonly plans: NextEditionPlanService,
    private readonly settings: DigestSettingsService,
    private readonly scheduler: DigestScheduler,
    private readonly audit: AuditLog,
  ) {}

  @Get('digests/plan/:frequency')
  @ApiOperation({
    summary: "The next edition with the editors' plan applied: articles, dropped, lead, texts, audience",
  })
  @ApiOkResponse({ type: PlanViewDto })
  async plan(@Param() { frequency }: FrequencyParamDto): Promise<PlanViewDto> {
    const view = await this.plans.view(frequency);
    return {
      frequency,
      subject: view.subject,
      preheader: view.preheader,
      editorNote: view.editorNote,
      leadArticleId: view.pinnedArticleId,
      articles: view.plan.articles.map(articleRef),
      dropped: (view.plan.dropped ?? []).map(articleRef),
      leftOut: view.plan.leftOut.map(articleRef),
      activeReaders: view.audience.active,
      receivingReaders: view.audience.receiving,
    };
  }

  @Put('digests/plan/:frequency')
  @ApiOperation({
    summary: 'Set fields of the plan for the next edition (applied when it is created, then forgotten)',
    description: 'Fields left out keep their value; an empty subject, preheader or note means the default.',
  })
  @ApiOkResponse({ type: PlanViewDto })
  @ApiBadRequestResponse({ description: 'Invalid fields' })
  async updatePlan(
    @Param() params: FrequencyParamDto,
    @Body() body: UpdatePlanDto,
    @CurrentEditor() editor?: SignedInEditor,
  ): Promise<PlanViewDto> {
    await this.plans.replace(params.frequency, body, editor?.email ?? 'api-token');
    await this.audit.record(editor ?? 'api-token', 'next-digest.plan', `plan:${params.frequency}`, { ...body });
    return this.plan(params);
  }

  @Delete('digests/plan/:frequency')
  @HttpCode(204)
  @ApiOperation({ summary: 'Forget the plan: the next edition goes back to the default selection' })
  @ApiNoContentResponse()
  async resetPlan(@Param() { frequency }: FrequencyParamDto, @CurrentEditor() editor?: SignedInEditor): Promise<void> {
    await this.plans.reset(frequency);
    await this.audit.record(editor ?? 'api-token', 'next-digest.reset', `plan:${frequency}`);
  }

  @RequirePermission('newsletters.manage')
  @Get('digest-settings')
  @ApiOperation({ summary: 'Schedules, articles per digest and order in force, with the next run times' })
  @ApiOkResponse({ type: DigestSettingsViewDto })
  async getSettings(): Promise<DigestSettingsViewDto> {
    const current = await this.settings.current();
    return {
      ...current,
      nextDaily: this.scheduler.nextRunAt('daily'),
      nextWeekly: this.scheduler.nextRunAt('weekly'),
    };
  }

  @RequirePermission('newsletters.manage')
  @Put('digest-settings')
  @ApiOperation({ summary: 'Save the digest settings; every instance follows within 15 s, without a restart' })
  @ApiOkResponse({ type: DigestSettingsViewDto })
  @ApiBadRequestResponse({ description: 'Invalid fields' })
  async putSettings(
    @Body() body: DigestSettingsDto,
    @CurrentEditor() editor?: SignedInEditor,
  ): Promise<DigestSettingsViewDto> {
    await this.settings.save(body, editor?.email ?? 'api-token');
    await this.audit.record(editor ?? 'api-token', 'settings.digest', 'digest-settings', { ...body });
    return this.getSettings();
  }
}
