import type { Article } from '../articles/article.entity';
import { extractHashtags, topicKey } from '../articles/topics';

export const TOPICS_PER_ARTICLE = 3;

type ArticleTopics = Pick<Article, 'id' | 'topics' | 'title' | 'summary' | 'bodyHtml'>;

/**
 * The few topics each article shows in an edition (a seed-like article carries two dozen hashtags; showing them
 * all buries the stories). Feed categories come first, in the feed's order: an editor chose them. Then the
 * article's hashtags that the most articles of this edition share, so the topics shown are the ones that tie
 * the edition together. An article's stored topics are categories first, then hashtags; a topic whose key is
 * not a hashtag of the article's text is a category.
 */
export function chipTopics(articles: ArticleTopics[], limit = TOPICS_PER_ARTICLE): Map<string, string[]> {
  const usage = new Map<string, number>();
  for (const article of articles) {
    for (const key of new Set(article.topics)) {
      usage.set(key, (usage.get(key) ?? 0) + 1);
    }
  }
  const chips = new Map<string, string[]>();
  for (const article of articles) {
    const text = [article.title, article.summary ?? '', article.bodyHtml ?? ''].join('\n');
    const hashtags = new Set(extractHashtags(text).map(topicKey));
    const categories = article.topics.filter((key) => !hashtags.has(key));
    const tagged = article.topics
      .filter((key) => hashtags.has(key))
      .map((key, order) => ({ key, order, used: usage.get(key) ?? 0 }))
      .sort((a, b) => b.used - a.used || a.order - b.order)
      .map((t) => t.key);
    chips.set(article.id, [...new Set([...categories, ...tagged])].slice(0, limit));
  }
  return chips;
}
