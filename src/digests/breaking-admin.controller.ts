import { Body, ConflictException, Controller, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AuditLog } from '../auth/audit-log';
import { CurrentEditor, type SignedInEditor } from '../auth/current-editor';
import { EditorOnly } from '../auth/editor-only';
import { StepUp } from '../auth/step-up';
import { AlreadyAlertedError, BreakingNews } from './breaking-news';
import { BreakingAlertDto } from './dto/digest-requests.dto';
import { EditionDetailDto } from './dto/edition-views.dto';
import { EditionHistory } from './edition-history';
import { RequirePermission } from '../auth/require-permission';

/** Machines' door to breaking news (a CMS "breaking" button, a script); editors use /admin/breaking. */
@ApiTags('digests')
@EditorOnly()
@Controller('admin/digests/breaking')
@RequirePermission('alert.send')
export class BreakingAdminController {
  constructor(
    private readonly breaking: BreakingNews,
    private readonly history: EditionHistory,
    private readonly audit: AuditLog,
    private readonly stepUp: StepUp,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Send one article now as a breaking alert to the subscribers of an alerts newsletter (default breaking)',
    description:
      'The alert is an edition of kind "breaking" with key "breaking/<articleId>" (another alerts newsletter: ' +
      '"<slug>/<articleId>"): the same article is never alerted twice in one newsletter, whoever asks and however ' +
      'often. An alerts newsletter with topics takes only articles carrying one (409). Follow it with ' +
      'GET /admin/digests/{id}.',
  })
  @ApiCreatedResponse({ type: EditionDetailDto })
  @ApiBadRequestResponse({ description: 'articleId missing or not an id, subject too long' })
  @ApiNotFoundResponse({ description: 'No such article or alerts newsletter' })
  @ApiConflictResponse({ description: 'The article already had its alert; the body carries its editionId' })
  async send(
    @Body() body: BreakingAlertDto,
    @CurrentEditor() editor: SignedInEditor | undefined,
    @Req() req: Request,
  ): Promise<EditionDetailDto> {
    // A signed-in editor (not a token) proves themselves again before a loud alert, as on /admin/breaking.
    const stepUp = editor
      ? this.stepUp.requireRecent(req.session, {
          audience: await this.breaking.audienceSize(body.newsletter),
          returnTo: '/admin/breaking',
          api: true,
        })
      : null;
    try {
      const edition = await this.breaking.send(
        body.articleId,
        { subject: body.subject, newsletter: body.newsletter },
        editor ? `editor:${editor.email}` : 'api',
      );
      await this.audit.record(editor ?? 'api-token', 'breaking.send', `edition #${edition.id}`, {
        articleId: body.articleId,
        newsletter: body.newsletter ?? 'breaking',
        subject: edition.subject,
        ...stepUp,
      });
      return await this.history.detail(edition.id);
    } catch (err) {
      if (err instanceof AlreadyAlertedError) {
        // The body names the alert that exists, so a script can follow it instead of guessing.
        throw new ConflictException({ message: err.message, editionId: err.editionId });
      }
      throw err;
    }
  }
}
