import { Injectable } from '@nestjs/common';
import type { MessageSource, SegmentMessage } from '../delivery/delivery-ports';
import type { EditionLabels } from '../subscribers/edition-labels';
import { EditionRenderer } from './edition-renderer';
import { EditionsRepository } from './editions.repository';

/** Digests' implementations of the ports the lower modules declare; DigestsModule supplies them. */

/** The compiled email of an edition's segment, with its newsletter's list (delivery's MessageSource). */
@Injectable()
export class EditionMessageSource implements MessageSource {
  constructor(
    private readonly renderer: EditionRenderer,
    private readonly editions: EditionsRepository,
  ) {}

  async renderSegment(editionId: string, segmentKey: string): Promise<SegmentMessage> {
    const [render, list] = await Promise.all([
      this.renderer.renderForSegment(editionId, segmentKey),
      this.editions.listOf(editionId),
    ]);
    return { subject: render.subject, html: render.html, text: render.text, list: list ?? undefined };
  }
}

/** Key and subject of editions, for a reader's privacy export (readers' EditionLabels). */
@Injectable()
export class EditionLabelsOfEditions implements EditionLabels {
  constructor(private readonly editions: EditionsRepository) {}

  labels(editionIds: string[]): Promise<Map<string, { key: string; subject: string }>> {
    return this.editions.labels(editionIds);
  }
}
