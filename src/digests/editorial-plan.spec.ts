import type { Article } from '../articles/article.entity';
import { applyEditorialDecisions, moved } from './editorial-plan';

const articles = (...ids: string[]) => ids.map((id) => ({ id }) as Article);
const ids = (list: Article[]) => list.map((a) => a.id);

describe('applyEditorialDecisions', () => {
  it('without decisions keeps the default order and cuts at the limit', () => {
    const result = applyEditorialDecisions(articles('1', '2', '3'), null, 2);
    expect(ids(result.articles)).toEqual(['1', '2']);
    expect(ids(result.leftOut)).toEqual(['3']);
  });

  it('drops, arranges, pins the lead first, then applies the limit', () => {
    const result = applyEditorialDecisions(
      articles('5', '4', '3', '2', '1'),
      { excludedArticleIds: ['4'], orderedArticleIds: ['3', '5'], leadArticleId: '1' },
      3,
    );
    expect(ids(result.dropped)).toEqual(['4']);
    // Arranged first (3, 5), then the rest in default order (2, 1); the lead 1 moves to the top.
    expect(ids(result.articles)).toEqual(['1', '3', '5']);
    expect(ids(result.leftOut)).toEqual(['2']);
  });

  it('ignores decisions about articles that are no longer candidates', () => {
    const result = applyEditorialDecisions(
      articles('2', '1'),
      { excludedArticleIds: ['9'], orderedArticleIds: ['8', '1'], leadArticleId: '7' },
      10,
    );
    expect(ids(result.articles)).toEqual(['1', '2']);
  });
});

describe('moved', () => {
  it('swaps with the neighbour and stays put at the ends', () => {
    expect(moved(['a', 'b', 'c'], 'b', 'up')).toEqual(['b', 'a', 'c']);
    expect(moved(['a', 'b', 'c'], 'b', 'down')).toEqual(['a', 'c', 'b']);
    expect(moved(['a', 'b', 'c'], 'a', 'up')).toEqual(['a', 'b', 'c']);
    expect(moved(['a', 'b', 'c'], 'x', 'down')).toEqual(['a', 'b', 'c']);
  });
});
