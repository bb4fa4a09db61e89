import { Global, Module } from '@nestjs/common';
import { Clock } from './clock';
import { Locale } from './locale';
import { TemplateRenderer } from './template-renderer';

/** Injectables used by several feature modules: the clock, locale strings and the template renderer. */
@Global()
@Module({
  providers: [Clock, Locale, TemplateRenderer],
  exports: [Clock, Locale, TemplateRenderer],
})
export class CommonModule {}
