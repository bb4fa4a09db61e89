import { RequirePermission } from '../auth/require-permission';
import { Body, Controller, Get, Param, Post, Put } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AuditLog } from '../auth/audit-log';
import { CurrentEditor, type SignedInEditor } from '../auth/current-editor';
import { EditorOnly } from '../auth/editor-only';
import { CreateNewsletterDto, NewsletterDto, UpdateNewsletterDto } from './dto/newsletter.dto';
import { NewsletterCatalog } from './newsletter-catalog';

/** Machines' door to the newsletters readers can choose; editors use /admin/newsletters/screen. */
@ApiTags('newsletters')
@EditorOnly()
@RequirePermission('stats.view')
@Controller('admin/newsletters')
export class NewslettersAdminController {
  constructor(
    private readonly catalog: NewsletterCatalog,
    private readonly audit: AuditLog,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Every newsletter (archived ones too), in display order, with its kept subscriber count' })
  @ApiOkResponse({ type: [NewsletterDto] })
  list(): Promise<NewsletterDto[]> {
    return this.catalog.list();
  }

  @Get(':slug')
  @ApiOperation({ summary: 'One newsletter' })
  @ApiOkResponse({ type: NewsletterDto })
  @ApiNotFoundResponse()
  get(@Param('slug') slug: string): Promise<NewsletterDto> {
    return this.catalog.get(slug);
  }

  @RequirePermission('newsletters.manage')
  @Post()
  @ApiOperation({
    summary: 'Create a newsletter',
    description:
      'A digest (period daily or weekly; scheduleCron in TIMEZONE, or null for the standard schedule of its ' +
      'period; topics to keep only articles carrying one) or an alerts newsletter (no schedule).',
  })
  @ApiCreatedResponse({ type: NewsletterDto })
  @ApiBadRequestResponse({ description: 'Invalid fields or cron expression' })
  @ApiConflictResponse({ description: 'The slug is taken' })
  async create(@Body() body: CreateNewsletterDto, @CurrentEditor() editor?: SignedInEditor): Promise<NewsletterDto> {
    const created = await this.catalog.create(body);
    await this.audit.record(editor ?? 'api-token', 'newsletter.create', `newsletter:${created.slug}`, { ...body });
    return created;
  }

  @RequirePermission('newsletters.manage')
  @Put(':slug')
  @ApiOperation({ summary: 'Change a newsletter (the slug and kind never change; status archived retires it)' })
  @ApiOkResponse({ type: NewsletterDto })
  @ApiBadRequestResponse({ description: 'Invalid fields or cron expression' })
  @ApiNotFoundResponse()
  async update(
    @Param('slug') slug: string,
    @Body() body: UpdateNewsletterDto,
    @CurrentEditor() editor?: SignedInEditor,
  ): Promise<NewsletterDto> {
    const updated = await this.catalog.update(slug, body);
    await this.audit.record(editor ?? 'api-token', 'newsletter.update', `newsletter:${slug}`, { ...body });
    return updated;
  }
}
