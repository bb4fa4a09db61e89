import { BadRequestException, Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentEditor, type SignedInEditor } from '../auth/current-editor';
import { EditorOnly } from '../auth/editor-only';
import { StepUp } from '../auth/step-up';
import { ParseBigintIdPipe } from '../common/bigint-id';
import { DeliveryQueue } from '../delivery/delivery-queue';
import { articleRef, DigestPreviews } from './digest-previews';
import { CreateEditionDto, HistoryQueryDto, PreviewQueryDto, TestSendDto } from './dto/digest-requests.dto';
import { EditionDetailDto, EditionPageDto, PreviewDto, TestSendResultDto } from './dto/edition-views.dto';
import { UnknownArticlesError } from './edition-assembler';
import { EditionHistory } from './edition-history';
import { EditionsService, type EditorAction } from './editions.service';
import { NextEditionPlanService } from './next-edition-plan.service';
import { RequirePermission } from '../auth/require-permission';

/** The editors' digest API: preview, test send, create now, pause/resume/cancel, history. */
@ApiTags('digests')
@EditorOnly()
@Controller('admin/digests')
@RequirePermission('edition.send')
export class DigestsAdminController {
  constructor(
    private readonly previews: DigestPreviews,
    private readonly editions: EditionsService,
    private readonly history: EditionHistory,
    private readonly deliveryQueue: DeliveryQueue,
    private readonly plans: NextEditionPlanService,
    private readonly stepUp: StepUp,
  ) {}

  @RequirePermission('edition.prepare')
  @Get('preview')
  @ApiOperation({ summary: 'The next edition as it would be now (nothing saved): HTML, or JSON with ?format=json' })
  @ApiProduces('text/html', 'application/json')
  @ApiOkResponse({ type: PreviewDto, description: 'HTML email, or (format=json) subject and articles' })
  @ApiConflictResponse({ description: 'No new articles: the next edition would be skipped' })
  async preview(@Query() query: PreviewQueryDto, @Res() res: Response): Promise<void> {
    const preview = await this.previews.preview(query.frequency);
    if (query.format === 'json') {
      const body: PreviewDto = {
        frequency: query.frequency,
        subject: preview.subject,
        preheader: preview.preheader,
        windowFrom: preview.plan.windowFrom,
        windowTo: preview.plan.windowTo,
        articles: preview.plan.articles.map(articleRef),
        leftOut: preview.plan.leftOut.map(articleRef),
      };
      res.json(body);
      return;
    }
    res.type('html').setHeader('Cache-Control', 'no-store').send(preview.email.html);
  }

  @Post('test')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send the next edition to up to 10 addresses only, marked as a test' })
  @ApiOkResponse({ type: TestSendResultDto })
  @ApiBadRequestResponse({ description: 'Bad frequency or addresses' })
  @ApiConflictResponse({ description: 'No new articles to show' })
  sendTest(@Body() body: TestSendDto): Promise<TestSendResultDto> {
    return this.previews.sendTest(body.frequency, body.to);
  }

  @Post()
  @ApiOperation({
    summary: 'Create an edition now and hand it to the mailer',
    description:
      'Without articleIds it takes the articles the next scheduled edition would take. Its key is the scheduled ' +
      'key plus "/editor-<ms>", so the scheduled edition still runs and starts where this one ended.',
  })
  @ApiCreatedResponse({ type: EditionDetailDto })
  @ApiBadRequestResponse({ description: 'Unknown article ids or invalid fields' })
  @ApiConflictResponse({ description: 'No new articles' })
  async create(
    @Body() body: CreateEditionDto,
    @CurrentEditor() editor: SignedInEditor | undefined,
    @Req() req: Request,
  ): Promise<EditionDetailDto> {
    const slug = (body.newsletter ?? body.frequency)!;
    if (editor) {
      // A signed-in editor (not a token) proves themselves again before a loud send, as on /admin/next. The
      // active readers of the newsletter bound the audience whatever articles are chosen.
      const { audience } = await this.plans.view(slug);
      this.stepUp.requireRecent(req.session, {
        audience: audience.active,
        returnTo: `/admin/next?frequency=${encodeURIComponent(slug)}`,
        api: true,
      });
    }
    try {
      const edition = await this.editions.createNow(slug, {
        articleIds: body.articleIds,
        subject: body.subject,
      });
      return this.history.detail(edition.id);
    } catch (err) {
      if (err instanceof UnknownArticlesError) {
        throw new BadRequestException({ message: err.message });
      }
      throw err;
    }
  }

  @RequirePermission('stats.view')
  @Get()
  @ApiOperation({ summary: 'Editions, newest first, with per-status delivery counts' })
  @ApiOkResponse({ type: EditionPageDto })
  list(@Query() query: HistoryQueryDto): Promise<EditionPageDto> {
    return this.history.page(query);
  }

  @RequirePermission('stats.view')
  @Get(':id')
  @ApiOperation({ summary: 'One edition with its articles and per-status delivery counts' })
  @ApiOkResponse({ type: EditionDetailDto })
  @ApiNotFoundResponse()
  detail(@Param('id', ParseBigintIdPipe) id: string): Promise<EditionDetailDto> {
    return this.history.detail(id);
  }

  @Post(':id/pause')
  @HttpCode(200)
  @ApiOperation({ summary: 'sending → paused: workers stop claiming its deliveries within one batch' })
  @ApiOkResponse({ type: EditionDetailDto })
  @ApiConflictResponse({ description: 'The edition is not sending' })
  pause(@Param('id', ParseBigintIdPipe) id: string): Promise<EditionDetailDto> {
    return this.act(id, 'pause');
  }

  @Post(':id/resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'paused → sending' })
  @ApiOkResponse({ type: EditionDetailDto })
  @ApiConflictResponse({ description: 'The edition is not paused' })
  resume(@Param('id', ParseBigintIdPipe) id: string): Promise<EditionDetailDto> {
    return this.act(id, 'resume');
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Any unfinished edition → cancelled; its articles go to the next edition' })
  @ApiOkResponse({ type: EditionDetailDto })
  @ApiConflictResponse({ description: 'The edition is already finished' })
  cancel(@Param('id', ParseBigintIdPipe) id: string): Promise<EditionDetailDto> {
    return this.act(id, 'cancel');
  }

  @Post(':id/retry-failed')
  @HttpCode(200)
  @ApiOperation({ summary: 'Queue the failed deliveries of an edition again' })
  @ApiOkResponse({ schema: { properties: { requeued: { type: 'number' } } } })
  async retryFailed(@Param('id', ParseBigintIdPipe) id: string): Promise<{ requeued: number }> {
    await this.editions.findOrFail(id);
    return { requeued: await this.deliveryQueue.retryFailed(id) };
  }

  private async act(id: string, action: EditorAction): Promise<EditionDetailDto> {
    const edition = await this.editions.act(id, action);
    return this.history.detail(edition.id);
  }
}
