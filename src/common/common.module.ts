import { Global, Module } from '@nestjs/common';
import { Clock } from './clock';
import { Formatter } from './formatter';
import { Locale } from './locale';
import { TemplateRenderer } from './template-renderer';

/** Injectables used by several feature modules: the clock, locale strings, the formatter and the template renderer. */
@Global()
@Module({
  providers: [Clock, Locale, Formatter, TemplateRenderer],
  exports: [Clock, Locale, Formatter, TemplateRenderer],
})
export class CommonModule {}
