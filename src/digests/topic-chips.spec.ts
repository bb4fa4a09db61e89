import { chipTopics } from './topic-chips';

const article = (id: string, topics: string[], bodyHtml: string) => ({
  id,
  topics,
  title: 'عنوان',
  summary: '',
  bodyHtml,
});

describe('chipTopics', () => {
  it('shows at most 3: feed categories first, then the hashtags most used across the edition', () => {
    const chips = chipTopics([
      article('1', ['سياسة', 'داعش', 'ديالي', 'كركوك', 'صلاح_الدين'], '<p>#داعش في #ديالى و #كركوك و #صلاح_الدين</p>'),
      article('2', ['صلاح_الدين', 'كركوك'], '<p>#صلاح_الدين ثم #كركوك</p>'),
      article('3', ['صلاح_الدين'], '<p>#صلاح_الدين</p>'),
    ]);
    expect(chips.get('1')).toEqual(['سياسة', 'صلاح_الدين', 'كركوك']);
    expect(chips.get('2')).toEqual(['صلاح_الدين', 'كركوك']);
    expect(chips.get('3')).toEqual(['صلاح_الدين']);
  });

  it('keeps the hashtags in article order when the edition uses them equally', () => {
    const chips = chipTopics([article('1', ['أ', 'ب', 'ج', 'د'], '#أ #ب #ج #د')]);
    expect(chips.get('1')).toEqual(['أ', 'ب', 'ج']);
  });
});
