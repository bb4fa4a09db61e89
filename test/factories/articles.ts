import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { Article } from '../../src/articles/article.entity';
import { topicKey, topicName } from '../../src/articles/topics';

export interface ArticleSeed {
  title?: string;
  url?: string;
  guid?: string | null;
  summary?: string;
  bodyHtml?: string | null;
  author?: string | null;
  imageUrl?: string | null;
  publishedAt?: Date | string;
  sourceUpdatedAt?: Date | string | null;
  /** Topic keys or display names (`صلاح_الدين`, `صلاح الدين`, `#صلاح_الدين`): normalised with topicKey. */
  topics?: string[];
  source?: string;
}

let sequence = 0;

/**
 * Inserts one article directly (no feed, no HTTP) with the given fields, plus its topics' display names into
 * `topics`, and returns the stored row. Defaults make a plausible Arabic article published "now".
 */
export async function insertArticle(dataSource: DataSource, seed: ArticleSeed = {}): Promise<Article> {
  sequence += 1;
  const unique = `${Date.now().toString(36)}-${sequence}-${randomBytes(3).toString('hex')}`;
  const topics = (seed.topics ?? []).map((raw) => ({ key: topicKey(raw), name: topicName(raw) })).filter((t) => t.key);
  const keys = [...new Set(topics.map((t) => t.key))];
  for (const topic of topics) {
    await dataSource.query('INSERT INTO topics (key, name) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [
      topic.key,
      topic.name,
    ]);
  }
  const rows: { id: string }[] = await dataSource.query(
    `INSERT INTO articles (url, guid, title, summary, body_html, author, image_url, published_at, source_updated_at,
                           topics, source)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     RETURNING id`,
    [
      seed.url ?? `https://www.example.net/article-${unique}/`,
      seed.guid === undefined ? `https://www.example.net/?p=${unique}` : seed.guid,
      seed.title ?? `مقال تجريبي رقم ${sequence}`,
      seed.summary ?? 'ملخص قصير لمقال تجريبي عن أخبار العراق.',
      seed.bodyHtml === undefined ? '<p>نص المقال التجريبي.</p>' : seed.bodyHtml,
      seed.author ?? null,
      seed.imageUrl ?? null,
      new Date(seed.publishedAt ?? new Date()),
      seed.sourceUpdatedAt ? new Date(seed.sourceUpdatedAt) : null,
      keys,
      seed.source ?? 'push',
    ],
  );
  return dataSource.getRepository(Article).findOneByOrFail({ id: rows[0].id });
}

/**
 * The Arabic fixture article, test/fixtures/article-ar.txt: a news report written for these tests (21 paragraphs,
 * the newsletter footer last) with every shape real articles bring — multi-word hashtags with underscores, the
 * same hashtag spelled several ways (hamza, tatweel, tashkeel), «» and “” quotes, Latin digits and names inside
 * Arabic, /50/ markers, percentages, a bracketed date.
 */
export const FIXTURE_ARTICLE_PATH = join(__dirname, '..', 'fixtures', 'article-ar.txt');

/** The fixture article's paragraphs (hashtags as written), split at blank lines. */
export function fixtureArticleParagraphs(): string[] {
  return fixtureArticleText()
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean);
}

export function fixtureArticleText(): string {
  return readFileSync(FIXTURE_ARTICLE_PATH, 'utf8');
}

/**
 * Every distinct hashtag of the fixture article as written (without `#`, spelling variants kept apart), found
 * independently of src/articles.
 */
export function fixtureArticleHashtags(): string[] {
  return [...new Set([...fixtureArticleText().matchAll(/#([\p{L}\p{M}\p{N}_]+)/gu)].map((m) => m[1]))];
}

const xmlEscape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const cdata = (s: string) => `<![CDATA[${s.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;

export interface RssItemSeed {
  title: string;
  link?: string | null;
  guid?: string | null;
  pubDate?: string | null;
  description?: string | null;
  contentEncoded?: string | null;
  creator?: string | null;
  categories?: string[];
  mediaUrl?: string | null;
}

/** A WordPress-style RSS 2.0 document (content:encoded, dc:creator, categories, media:content). */
export function rssFeed(items: RssItemSeed[], channel: { title?: string; link?: string } = {}): string {
  const itemXml = items
    .map((item) =>
      [
        '<item>',
        `<title>${xmlEscape(item.title)}</title>`,
        item.link ? `<link>${xmlEscape(item.link)}</link>` : '',
        item.guid ? `<guid isPermaLink="false">${xmlEscape(item.guid)}</guid>` : '',
        item.pubDate ? `<pubDate>${xmlEscape(item.pubDate)}</pubDate>` : '',
        item.creator ? `<dc:creator>${cdata(item.creator)}</dc:creator>` : '',
        ...(item.categories ?? []).map((c) => `<category>${cdata(c)}</category>`),
        item.description != null ? `<description>${cdata(item.description)}</description>` : '',
        item.contentEncoded != null ? `<content:encoded>${cdata(item.contentEncoded)}</content:encoded>` : '',
        item.mediaUrl ? `<media:content url="${xmlEscape(item.mediaUrl)}" medium="image" />` : '',
        '</item>',
      ]
        .filter(Boolean)
        .join('\n'),
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"
  xmlns:media="http://search.yahoo.com/mrss/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>${xmlEscape(channel.title ?? 'الحل نت')}</title>
<link>${xmlEscape(channel.link ?? 'https://www.example.net/')}</link>
<description>أخبار</description>
<language>ar</language>
${itemXml}
</channel>
</rss>`;
}

export const FIXTURE_ARTICLE_TITLE = 'أزمة مياه خانقة في الحسكة بعد توقف محطة علوك عن الضخ مجدداً';
export const FIXTURE_ARTICLE_LINK = 'https://www.example.net/2023/08/hasakah-water-crisis/';
export const FIXTURE_ARTICLE_GUID = 'https://www.example.net/?p=318204';
export const FIXTURE_ARTICLE_IMAGE = 'https://www.example.net/wp-content/uploads/2023/08/hasakah-water.jpg';
/** The fixture article's categories in its feed item: سوريا is also one of its hashtags. */
export const FIXTURE_ARTICLE_CATEGORIES = ['أخبار', 'سوريا'];

/**
 * The fixture article as a WordPress RSS item: paragraphs in content:encoded (hashtags as WordPress renders
 * them, as links to the tag page), no excerpt, categories, author and featured image.
 */
export function fixtureArticleRssItem(overrides: Partial<RssItemSeed> = {}): RssItemSeed {
  const paragraphs = fixtureArticleParagraphs();
  const html = paragraphs
    .map(
      (p) =>
        `<p>${xmlEscape(p).replace(
          /#([\p{L}\p{M}\p{N}_]+)/gu,
          (_m, tag: string) => `<a href="/tag/${encodeURIComponent(tag)}/">#${tag}</a>`,
        )}</p>`,
    )
    .join('\n');
  return {
    title: FIXTURE_ARTICLE_TITLE,
    link: FIXTURE_ARTICLE_LINK,
    guid: FIXTURE_ARTICLE_GUID,
    pubDate: 'Tue, 15 Aug 2023 07:45:00 +0000',
    creator: 'فريق التحرير',
    categories: FIXTURE_ARTICLE_CATEGORIES,
    description: null,
    contentEncoded: html + '\n<img src="/wp-content/uploads/2023/08/hasakah-water.jpg" alt="">',
    mediaUrl: FIXTURE_ARTICLE_IMAGE,
    ...overrides,
  };
}

/** The fixture article as a whole WordPress-style RSS 2.0 feed. */
export function fixtureArticleRss(overrides: Partial<RssItemSeed> = {}): string {
  return rssFeed([fixtureArticleRssItem(overrides)]);
}

/**
 * Old names from when tests read a seed article outside the repository; they now give the fixture article.
 * Kept so branches written against them still compile. @deprecated use the fixtureArticle* names.
 */
export const SEED_ARTICLE_LINK = FIXTURE_ARTICLE_LINK;
/** @deprecated */
export const SEED_ARTICLE_GUID = FIXTURE_ARTICLE_GUID;
/** @deprecated */
export const seedArticleParagraphs = fixtureArticleParagraphs;
/** @deprecated */
export const seedArticleHashtags = fixtureArticleHashtags;
/** @deprecated */
export const seedArticleRss = fixtureArticleRss;
/** @deprecated */
export const seedArticleRssItem = fixtureArticleRssItem;
