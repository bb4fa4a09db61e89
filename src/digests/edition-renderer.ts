import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { EditionRender } from './edition-render.entity';

/**
 * Compiles an edition (or one topic segment of it) to HTML and text exactly once, stores the result in
 * edition_renders so every worker process shares it, and returns the stored render on later calls.
 * Segment keys: `all` (every article of the edition) or the segment's article ids, ascending, joined by `,`.
 * The compiled output contains READER_PLACEHOLDERS (src/common/reader-placeholders.ts) for readers' links.
 */
@Injectable()
export class EditionRenderer {
  constructor(@InjectRepository(EditionRender) private readonly renders: Repository<EditionRender>) {}

  async renderForSegment(editionId: string, segmentKey: string): Promise<EditionRender> {
    const existing = await this.renders.findOneBy({ editionId, segmentKey });
    if (existing) {
      return existing;
    }
    throw new Error('EditionRenderer.renderForSegment: compiling is not implemented yet (digests issue)');
  }
}
