import { cleanSpelling, preferredSpelling } from './topic-spellings';

describe('topic display names', () => {
  it('drops tatweel and tashkeel from a spelling', () => {
    expect(cleanSpelling('ســوريا')).toBe('سوريا');
    expect(cleanSpelling('صلاحُ  الدين')).toBe('صلاح الدين');
  });

  it('prefers the spelling with hamza forms, then the most frequent, then the first seen', () => {
    expect(preferredSpelling({ ايران: 5, إيران: 1 })).toBe('إيران');
    expect(preferredSpelling({ ديالي: 1, ديالى: 3 })).toBe('ديالى');
    expect(preferredSpelling({ الموصل: 2, الموصـل: 2 })).toBe('الموصل');
    expect(preferredSpelling({})).toBeNull();
  });
});
