import type { Edition } from './edition.entity';
import { segmentArticleIds } from './edition-segments';

describe('segmentArticleIds', () => {
  const edition = { id: '9', articleIds: ['30', '10', '20'] } as Edition;

  it('gives every article for `all`, with or without direct links', () => {
    expect(segmentArticleIds(edition, 'all')).toEqual(['30', '10', '20']);
    expect(segmentArticleIds(edition, 'all-direct')).toEqual(['30', '10', '20']);
  });

  it('keeps edition order whatever order the key lists the ids in', () => {
    expect(segmentArticleIds(edition, '10,30')).toEqual(['30', '10']);
    expect(segmentArticleIds(edition, '20,30-direct')).toEqual(['30', '20']);
  });

  it('rejects a malformed key and articles from another edition', () => {
    expect(() => segmentArticleIds(edition, 'some')).toThrow(/Invalid segment key/);
    expect(() => segmentArticleIds(edition, '10,40')).toThrow(/Articles 40 are not in edition 9/);
  });
});
