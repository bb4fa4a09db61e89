import { Body, Controller, Get, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { TopicCatalog } from '../articles/topic-catalog';
import { NewsroomPage } from '../auth/newsroom-page';
import { ReaderDirectory } from '../subscribers/reader-directory';
import { FollowableTopicsForm, HideTopicForm, MergeTopicForm, RenameTopicForm } from './dto/topics.dto';
import { ActionOutcome, NewsroomAction, NewsroomScreen } from './newsroom-action';
import { NewsroomView } from './newsroom-view';
import { TopicMerge } from './topic-merge';
import { RequirePermission } from '../auth/require-permission';

// A refused change (bad name, unknown topic) shows the list again with the reason.
const ON_TOPICS = { redirect: '/admin/topics', refused: { show: 'screen' } } as const;

/** Topics: counts, rename, merge, hide, and which ones readers may follow. Each change is audited. */
@Controller('admin/topics')
@NewsroomPage()
@RequirePermission('topics.manage')
export class TopicsController implements NewsroomScreen {
  constructor(
    private readonly view: NewsroomView,
    private readonly topics: TopicCatalog,
    private readonly readers: ReaderDirectory,
    private readonly merging: TopicMerge,
  ) {}

  @Get()
  list(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.screen(req, res, 200);
  }

  @Post('rename')
  @NewsroomAction('topic.rename', ON_TOPICS)
  async rename(@Body() form: RenameTopicForm): Promise<ActionOutcome> {
    const { from, to } = await this.topics.rename(form.key, form.name);
    return {
      subject: `topic:${form.key}`,
      detail: { from, to },
      flash: this.view.t('newsroom.topics.renamed', { name: to }),
    };
  }

  @Post('hide')
  @NewsroomAction('topic.hide', ON_TOPICS)
  async hide(@Body() form: HideTopicForm): Promise<ActionOutcome> {
    const hidden = form.hidden === 'true';
    await this.topics.setHidden(form.key, hidden);
    return {
      action: hidden ? 'topic.hide' : 'topic.show',
      subject: `topic:${form.key}`,
      flash: this.view.t(hidden ? 'newsroom.topics.hidden' : 'newsroom.topics.shown'),
    };
  }

  @Post('merge')
  @NewsroomAction('topic.merge', ON_TOPICS)
  async merge(@Body() form: MergeTopicForm): Promise<ActionOutcome> {
    const counts = await this.merging.merge(form.key, form.into);
    return { subject: `topic:${form.key}`, detail: counts, flash: this.view.t('newsroom.topics.merged', counts) };
  }

  @Post('followable')
  @NewsroomAction('topic.followable', ON_TOPICS)
  async followable(@Body() form: FollowableTopicsForm): Promise<ActionOutcome> {
    const count = await this.topics.setFollowable(form.keys);
    return { detail: { keys: form.keys }, flash: this.view.t('newsroom.topics.followable', { count }) };
  }

  /** The list; after a refused change (bad name, unknown topic), with the reason and the refusal's status. */
  async screen(req: Request, res: Response, status: number): Promise<void> {
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
