import type { AppConfig } from '../config/app-config';
import type { Clock } from './clock';
import { Formatter } from './formatter';
import { Locale } from './locale';
import { ltrSpansToIsolates } from './ltr-isolates';
import { TemplateRenderer } from './template-renderer';

describe('plain text of an email: isolated runs', () => {
  const config = {
    publication: { name: 'نشرة', timeZone: 'Asia/Baghdad', monthNames: 'levant', digits: 'latin' },
  } as AppConfig;
  const locale = new Locale(config);
  const renderer = new TemplateRenderer(
    locale,
    config,
    new Formatter(config, locale, { now: () => new Date() } as Clock),
  );

  it('turns a left-to-right span into one isolate', () => {
    expect(ltrSpansToIsolates('منظمة «<span dir="ltr">Save the Children</span>»')).toBe(
      'منظمة «\u2066Save\u00a0the\u00a0Children\u2069»',
    );
  });

  it('keeps an isolated run on one line where the text part wraps', () => {
    // The run starts near column 70: a hard wrap at 78 would have cut it after «Save».
    const html = `<p>${'كلمة '.repeat(13)}منظمة «<span dir="ltr">Save the Children International</span>»: 2.4 مليون طفل</p>`;
    const lines = renderer.toText(html).split('\n');
    const withRun = lines.filter((line) => /Save|Children|International/.test(line));
    expect(withRun).toHaveLength(1);
    expect(withRun[0]).toContain('\u2066Save\u00a0the\u00a0Children\u00a0International\u2069');
  });
});
