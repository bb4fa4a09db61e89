import { Body, Controller, Get, HttpException, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { TopicCatalog } from '../articles/topic-catalog';
import { AuditLog } from '../auth/audit-log';
import { CurrentEditor, SignedInEditor } from '../auth/current-editor';
import { NewsroomPage } from '../auth/newsroom-page';
import { ReaderDirectory } from '../subscribers/reader-directory';
import { FollowableTopicsForm, HideTopicForm, MergeTopicForm, RenameTopicForm } from './dto/topics.dto';
import { NewsroomView } from './newsroom-view';
import { TopicMerge } from './topic-merge';
import { RequirePermission } from '../auth/require-permission';

/** Topics: counts, rename, merge, hide, and which ones readers may follow. Each change is audited. */
@Controller('admin/topics')
@NewsroomPage()
@RequirePermission('topics.manage')
export class TopicsController {
  constructor(
    private readonly view: NewsroomView,
    private readonly topics: TopicCatalog,
    private readonly readers: ReaderDirectory,
    private readonly merging: TopicMerge,
    private readonly audit: AuditLog,
  ) {}

  @Get()
  list(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.render(req, res, 200);
  }

  @Post('rename')
  async rename(
    @Body() form: RenameTopicForm,
    @CurrentEditor() editor: SignedInEditor,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.act(req, res, async () => {
      const { from, to } = await this.topics.rename(form.key, form.name);
      await this.audit.record(editor, 'topic.rename', `topic:${form.key}`, { from, to });
      return this.view.t('newsroom.topics.renamed', { name: to });
    });
  }

  @Post('hide')
  async hide(
    @Body() form: HideTopicForm,
    @CurrentEditor() editor: SignedInEditor,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.act(req, res, async () => {
      const hidden = form.hidden === 'true';
      await this.topics.setHidden(form.key, hidden);
      await this.audit.record(editor, hidden ? 'topic.hide' : 'topic.show', `topic:${form.key}`);
      return this.view.t(hidden ? 'newsroom.topics.hidden' : 'newsroom.topics.shown');
    });
  }

  @Post('merge')
  async merge(
    @Body() form: MergeTopicForm,
    @CurrentEditor() editor: SignedInEditor,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.act(req, res, async () => {
      const counts = await this.merging.merge(form.key, form.into);
      await this.audit.record(editor, 'topic.merge', `topic:${form.key}`, counts);
      return this.view.t('newsroom.topics.merged', counts);
    });
  }

  @Post('followable')
  async followable(
    @Body() form: FollowableTopicsForm,
    @CurrentEditor() editor: SignedInEditor,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.act(req, res, async () => {
      const count = await this.topics.setFollowable(form.keys);
      await this.audit.record(editor, 'topic.followable', undefined, { keys: form.keys });
      return this.view.t('newsroom.topics.followable', { count });
    });
  }

  /** Runs a change; success → flash and back to the list (303), refusal → the list again with the reason. */
  private async act(req: Request, res: Response, change: () => Promise<string>): Promise<void> {
    try {
      this.view.flash(req, await change(), 'success');
    } catch (err) {
      if (!(err instanceof HttpException) || err.getStatus() >= 500) {
        throw err;
      }
      this.view.flash(req, err.message, 'error');
      return this.render(req, res, err.getStatus());
    }
    res.redirect(303, '/admin/topics');
  }

  private async render(req: Request, res: Response, status: number): Promise<void> {
    const [topics, followers] = await Promise.all([this.topics.list(), this.readers.followerCounts()]);
    await this.view.page(
      req,
      res,
      'topics',
      {
        topics: topics.map((t) => ({ ...t, followers: followers.get(t.key) ?? 0 })),
        followableCount: topics.filter((t) => t.followable && !t.hidden).length,
      },
      { nav: 'topics', status },
    );
  }
}
