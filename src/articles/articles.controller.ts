import { BadRequestException, Body, Controller, Get, HttpCode, Post, Query, ValidationPipe } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { EditorOnly } from '../auth/editor-only';
import type { Article } from './article.entity';
import { ArticlesService, InvalidCursorError } from './articles.service';
import { ListArticlesQuery } from './dto/list-articles.dto';
import { PushArticleBatchDto, PushArticleDto, PushResultDto } from './dto/push-article.dto';
import type { IncomingArticle } from './incoming-article';
import { RequirePermission } from '../auth/require-permission';

export interface ArticleView {
  id: string;
  url: string;
  guid: string | null;
  title: string;
  summary: string;
  bodyHtml: string | null;
  author: string | null;
  imageUrl: string | null;
  publishedAt: string;
  sourceUpdatedAt: string | null;
  topics: { key: string; name: string }[];
  source: string;
}

// The same rules as the global pipe; applied by hand because the body is one article or a batch.
const bodyValidation = new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true });

/** The push API for CMS webhooks, and the list editors (and the digests) read. */
@ApiTags('articles')
@EditorOnly()
@ApiExtraModels(PushArticleDto, PushArticleBatchDto)
@Controller('admin/articles')
export class ArticlesController {
  constructor(private readonly articles: ArticlesService) {}

  @RequirePermission('articles.write')
  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Create or update one article, or a batch `{ articles: [...] }`; idempotent on URL and guid',
  })
  @ApiBody({
    schema: { oneOf: [{ $ref: getSchemaPath(PushArticleDto) }, { $ref: getSchemaPath(PushArticleBatchDto) }] },
  })
  @ApiOkResponse({ type: PushResultDto })
  @ApiBadRequestResponse({ description: '{ message: [...] } naming each invalid field' })
  async push(@Body() body: unknown): Promise<PushResultDto> {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new BadRequestException('The body must be one article object or { "articles": [...] }');
    }
    if (!('articles' in body)) {
      const one: PushArticleDto = await bodyValidation.transform(body, { type: 'body', metatype: PushArticleDto });
      return this.store([one]);
    }
    const batch: PushArticleBatchDto = await bodyValidation.transform(body, {
      type: 'body',
      metatype: PushArticleBatchDto,
    });
    // Each article on its own: a bad one fails with its reason, the others are stored.
    const checked = await Promise.all(batch.articles.map((item, index) => validateArticle(item, index)));
    const valid = checked.filter((c): c is PushArticleDto => c instanceof PushArticleDto);
    const result = await this.store(valid);
    const stored = result.articles[Symbol.iterator]();
    const articles = checked.map((c) => (c instanceof PushArticleDto ? stored.next().value! : c));
    const invalid = articles.length - valid.length;
    return { ...result, failed: result.failed + invalid, articles };
  }

  private async store(items: PushArticleDto[]): Promise<PushResultDto> {
    const result = await this.articles.upsertMany(items.map(toIncoming), 'push');
    return {
      created: result.created,
      updated: result.updated,
      unchanged: result.unchanged,
      skipped: result.skipped,
      failed: result.failed,
      articles: result.items,
    };
  }

  @RequirePermission('edition.prepare')
  @Get()
  @ApiOperation({ summary: 'Recent articles, newest first; page with `before=<nextCursor>`' })
  @ApiOkResponse({ description: '{ articles: [...], nextCursor: string | null }' })
  async list(@Query() query: ListArticlesQuery): Promise<{ articles: ArticleView[]; nextCursor: string | null }> {
    let page;
    try {
      page = await this.articles.list(query.limit, query.before);
    } catch (err) {
      if (err instanceof InvalidCursorError) {
        throw new BadRequestException(err.message);
      }
      throw err;
    }
    const names = await this.articles.topicNames([...new Set(page.articles.flatMap((a) => a.topics))]);
    return { articles: page.articles.map((a) => toView(a, names)), nextCursor: page.nextCursor };
  }
}

async function validateArticle(item: object, index: number): Promise<PushArticleDto | PushItemFailure> {
  try {
    return (await bodyValidation.transform(item, { type: 'body', metatype: PushArticleDto })) as PushArticleDto;
  } catch (err) {
    const body = err instanceof BadRequestException ? (err.getResponse() as { message?: unknown }) : undefined;
    const messages = Array.isArray(body?.message) ? body.message : [String(body?.message ?? 'invalid article')];
    const url = 'url' in item && typeof item.url === 'string' && item.url.length <= 2048 ? item.url : undefined;
    return { outcome: 'failed', url, reason: `articles.${index}: ${messages.join('; ')}` };
  }
}

interface PushItemFailure {
  outcome: 'failed';
  url?: string;
  reason: string;
}

function toIncoming(dto: PushArticleDto): IncomingArticle {
  return {
    link: dto.url,
    guid: dto.guid,
    title: dto.title,
    description: dto.summary,
    bodyHtml: dto.bodyHtml,
    author: dto.author,
    imageUrl: dto.imageUrl,
    published: dto.publishedAt,
    updated: dto.updatedAt,
    categories: dto.topics,
  };
}

function toView(a: Article, names: Map<string, string>): ArticleView {
  return {
    id: a.id,
    url: a.url,
    guid: a.guid,
    title: a.title,
    summary: a.summary,
    bodyHtml: a.bodyHtml,
    author: a.author,
    imageUrl: a.imageUrl,
    publishedAt: a.publishedAt.toISOString(),
    sourceUpdatedAt: a.sourceUpdatedAt?.toISOString() ?? null,
    topics: a.topics.map((key) => ({ key, name: names.get(key) ?? key.replace(/_/g, ' ') })),
    source: a.source,
  };
}
