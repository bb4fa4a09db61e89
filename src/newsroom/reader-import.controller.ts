import { localeText } from '../common/locale';
import {
  BadRequestException,
  Body,
  Controller,
  Get,
  NotFoundException,
  Param,
  Post,
  Req,
  Res,
  UploadedFile,
  UseFilters,
  UseInterceptors,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { AuditLog } from '../auth/audit-log';
import { CurrentEditor, SignedInEditor } from '../auth/current-editor';
import { CsrfInMultipartFields, NewsroomPage } from '../auth/newsroom-page';
import { AppConfig } from '../config/app-config';
import { ReaderImport } from '../subscribers/import/reader-import.entity';
import { ReaderImportRepository } from '../subscribers/import/reader-import.repository';
import { ReaderImporter } from '../subscribers/import/reader-importer';
import { CheckedFileUpload } from './checked-upload';
import { ReaderImportForm } from './dto/readers.dto';
import type { LabelSource } from './newsroom-labels';
import { type DateStyle, dateStyleOf, formatMoment } from '../common/formatter';
import { ImportUploadErrors } from './import-upload-errors';
import { NewsroomView } from './newsroom-view';
import { NewslettersRepository } from '../subscribers/newsletters.repository';
import { streamToTempFile } from './upload-storage';
import { RequirePermission } from '../auth/require-permission';

export const MAX_IMPORT_BYTES = 100 * 1024 * 1024;
const FORMAT_LABELS: Record<string, string> = {
  mailchimp: 'Mailchimp',
  listmonk: 'listmonk',
  substack: 'Substack',
  plain: localeText('newsroom.readers.importPlainFormat'),
};

/** What the progress fragment shows of one import. */
export function importView(job: ReaderImport, style: DateStyle, labels: LabelSource) {
  const imported = job.importedPending + job.importedActive;
  return {
    ...job,
    running: job.status === 'running',
    failed: job.status === 'failed',
    imported,
    formatLabel: job.format ? FORMAT_LABELS[job.format] : null,
    moreErrors: Math.max(job.badRows - job.errors.length, 0),
    startedAt: formatMoment(job.startedAt, style),
    statusLabel: labels.t(`newsroom.labels.importStatus.${job.status}`),
  };
}

/**
 * Readers' CSV import: the upload (streamed to disk, then imported in the background), its progress (htmx
 * polls a fragment every second while it runs) and its final report. Declared before ReadersController so
 * `/admin/readers/import` is not taken for a reader id.
 */
@Controller('admin/readers/import')
@NewsroomPage()
@RequirePermission('readers.import')
export class ReaderImportController {
  constructor(
    private readonly view: NewsroomView,
    private readonly importer: ReaderImporter,
    private readonly imports: ReaderImportRepository,
    private readonly audit: AuditLog,
    private readonly config: AppConfig,
    private readonly newsletters: NewslettersRepository,
  ) {}

  private importView(job: ReaderImport) {
    return importView(job, dateStyleOf(this.config.publication), this.view);
  }

  @Get()
  async form(@Req() req: Request, @Res() res: Response): Promise<void> {
    const [recent, newsletters] = await Promise.all([this.imports.recent(10), this.newsletters.list()]);
    await this.view.page(
      req,
      res,
      'readers-import',
      {
        recent: recent.map((job) => this.importView(job)),
        maxMegabytes: MAX_IMPORT_BYTES / 1024 / 1024,
        newsletters: newsletters.map((n) => ({ slug: n.slug, name: n.name })),
      },
      { nav: 'readers', title: this.view.t('newsroom.readers.importTitle') },
    );
  }

  @Post()
  @UseFilters(ImportUploadErrors)
  // The form works without JavaScript: its `_csrf` field comes before the file and is checked there.
  @CsrfInMultipartFields()
  @UseInterceptors(
    // defParamCharset: browsers send the file name as UTF-8 (an Arabic name would otherwise arrive as latin1).
    CheckedFileUpload('file', {
      storage: streamToTempFile,
      limits: { fileSize: MAX_IMPORT_BYTES, files: 1, fields: 10 },
      defParamCharset: 'utf8',
    } as object),
  )
  async upload(
    @UploadedFile() file: { path: string; originalname: string; size: number } | undefined,
    @Body() form: ReaderImportForm,
    @CurrentEditor() editor: SignedInEditor,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    if (!file || file.size === 0) {
      throw new BadRequestException(this.view.t('newsroom.readers.importEmptyFile'));
    }
    const chosen = [...new Set(form.newsletters ?? [])];
    const active = new Set((await this.newsletters.list()).map((n) => n.slug));
    if (!chosen.every((slug) => active.has(slug))) {
      throw new BadRequestException('إحدى النشرات المختارة غير موجودة');
    }
    const job = await this.importer.start({
      uploadedPath: file.path,
      fileName: file.originalname,
      frequency: form.frequency ?? 'daily',
      newsletters: chosen,
      trustConsent: Boolean(form.trustConsent),
      startedBy: editor.email,
    });
    await this.audit.record(editor, 'readers.import', `import:${job.id}`, {
      file: job.fileName,
      bytes: file.size,
      trustConsent: job.trustConsent,
      newsletters: chosen,
    });
    if (req.headers['hx-request']) {
      this.view.fragment(res, 'readers-import-progress', { job: this.importView(job) }, 202);
      return;
    }
    res.redirect(303, `/admin/readers/import/${job.id}`);
  }

  @Get(':id')
  async show(@Param('id') id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const job = await this.find(id);
    await this.view.page(
      req,
      res,
      'readers-import',
      { job: this.importView(job), recent: [], maxMegabytes: MAX_IMPORT_BYTES / 1024 / 1024 },
      { nav: 'readers', title: this.view.t('newsroom.readers.importJobTitle', { id: job.id }) },
    );
  }

  /** The progress fragment htmx polls; once the import is over it no longer asks to be polled. */
  @Get(':id/progress')
  async progress(@Param('id') id: string, @Res() res: Response): Promise<void> {
    this.view.fragment(res, 'readers-import-progress', { job: this.importView(await this.find(id)) });
  }

  private async find(id: string): Promise<ReaderImport> {
    const job = await this.imports.find(id);
    if (!job) {
      throw new NotFoundException(this.view.t('newsroom.readers.importNotFound'));
    }
    return job;
  }
}
