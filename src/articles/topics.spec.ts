import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectTopics, extractHashtags, stripHashtagMarkers, topicKey, topicName } from './topics';

describe('topics', () => {
  describe('extractHashtags', () => {
    it('finds Arabic hashtags with underscores, marks and digits, once each', () => {
      const text = 'قال #صلاح_الدين و #الحشد_الشعبي، ثم #صلاح_الدين مرة أخرى و #كورونا_2020 و #صلاحُ_الدين.';
      expect(extractHashtags(text)).toEqual(['صلاح_الدين', 'الحشد_الشعبي', 'كورونا_2020']);
    });

    it('ignores URL fragments, HTML entities, numbers and a lone #', () => {
      const text = 'انظر https://example.net/#section و page.html#top و &#1575; و #1 و # وحدها و x#y';
      expect(extractHashtags(text)).toEqual([]);
    });

    it('finds a hashtag after punctuation or at the start', () => {
      expect(extractHashtags('#داعش بدأ («#العراق») ،#ديالى')).toEqual(['داعش', 'العراق', 'ديالى']);
    });

    it('yields every hashtag of the fixture article once, in the spelling first written', () => {
      const text = readFileSync(join(__dirname, '../../test/fixtures/article-ar.txt'), 'utf8');
      // As written, the article has 24 distinct hashtags; 4 are other spellings of earlier ones
      // (#ســوريا/#سوريا tatweel, #إيران/#ايران and #أزمة_المياه/#ازمة_المياه hamza, #الحسكة/#الحَسَكة tashkeel).
      expect(new Set(text.match(/#[\p{L}\p{M}\p{N}_]+/gu)).size).toBe(24);
      expect(extractHashtags(text)).toEqual([
        'الحسكة',
        'محطة_علوك',
        'أزمة_المياه',
        'غويران',
        'النشوة',
        'تل_حجر',
        'منظمة_الصحة_العالمية',
        'رأس_العين',
        'تركيا',
        'الإدارة_الذاتية',
        'المفتي',
        'الحسكة_عطشى',
        'اليونيسف',
        'الأمم_المتحدة',
        'ســوريا',
        'نهر_الفرات',
        'العراق',
        'إيران',
        'القامشلي',
        'أنقذوا_الحسكة',
      ]);
    });

    it('finds no hashtag in the /50/ markers, percentages, quotes and Latin names of the fixture', () => {
      const text = readFileSync(join(__dirname, '../../test/fixtures/article-ar.txt'), 'utf8');
      for (const shape of ['/40/', '35%', '«', '“Al-Hal Net (Syria)”', 'iPhone 15', '(الرابع عشر من أغسطس/ آب 2023)']) {
        expect(text).toContain(shape);
      }
      expect(extractHashtags(text).filter((t) => /[0-9%/«»“”]/.test(t))).toEqual([]);
    });

    it('gives each spelling variant of a fixture hashtag the same key', () => {
      expect(topicKey('ســوريا')).toBe(topicKey('سوريا'));
      expect(topicKey('إيران')).toBe(topicKey('ايران'));
      expect(topicKey('أزمة_المياه')).toBe(topicKey('ازمة_المياه'));
      expect(topicKey('الحَسَكة')).toBe(topicKey('الحسكة'));
    });
  });

  describe('topicKey', () => {
    it('makes the same topic written differently one key', () => {
      const key = topicKey('صلاح_الدين');
      for (const variant of ['#صلاح_الدين', 'صلاح الدين', 'صلاحُ الدِّين', 'صلاح_ـالدين', ' صلاح  الدين ']) {
        expect(topicKey(variant)).toBe(key);
      }
      expect(key).toBe('صلاح_الدين');
    });

    it('unifies alef forms, alef maqsura and Persian letters, Arabic-Indic digits and Latin case', () => {
      expect(topicKey('الإعلام_الرقمي')).toBe('الاعلام_الرقمي');
      expect(topicKey('أربيل')).toBe(topicKey('اربيل'));
      expect(topicKey('آمرلي')).toBe('امرلي');
      expect(topicKey('ديالى')).toBe(topicKey('ديالي'));
      expect(topicKey('کرکوک')).toBe(topicKey('كركوك'));
      expect(topicKey('كورونا ٢٠٢٠')).toBe('كورونا_2020');
      expect(topicKey('Breaking News')).toBe('breaking_news');
    });

    it('keeps ta marbuta distinct from ha (they are different words)', () => {
      expect(topicKey('حمزة')).not.toBe(topicKey('حمزه'));
    });

    it('turns separators into one underscore and gives an empty key for nothing', () => {
      expect(topicKey('News & Politics')).toBe('news_politics');
      expect(topicKey('  ##  ')).toBe('');
    });
  });

  it('topicName shows underscores as spaces', () => {
    expect(topicName('مايلز_كاغينز')).toBe('مايلز كاغينز');
    expect(topicName('#الحشد_الشعبي')).toBe('الحشد الشعبي');
  });

  it('stripHashtagMarkers shows hashtags as words and leaves URLs alone', () => {
    expect(stripHashtagMarkers('بين #صلاح_الدين و #ديالى في https://x.net/#a')).toBe(
      'بين صلاح الدين و ديالى في https://x.net/#a',
    );
  });

  it('collectTopics puts categories first, one per key, with the first display name', () => {
    expect(collectTopics(['العراق', 'أخبار'], 'عن #العراق و #مايلز_كاغينز و #اخبار')).toEqual([
      { key: 'العراق', name: 'العراق' },
      { key: 'اخبار', name: 'أخبار' },
      { key: 'مايلز_كاغينز', name: 'مايلز كاغينز' },
    ]);
  });
});
