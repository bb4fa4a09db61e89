import { Injectable, OnModuleInit } from '@nestjs/common';
import { TemplateRenderer } from '../common/template-renderer';
import { bidiHtml } from './bidi-text';

/**
 * Gives the `{{bidi …}}` template helper the digest's isolation of Latin runs (bidi-text.ts), so a title reads the
 * same in the newsroom, on reader pages and in the email. common/ cannot import digests/, hence the hand-over.
 */
@Injectable()
export class TextIsolation implements OnModuleInit {
  constructor(private readonly renderer: TemplateRenderer) {}

  onModuleInit(): void {
    this.renderer.useTextIsolation(bidiHtml);
  }
}
