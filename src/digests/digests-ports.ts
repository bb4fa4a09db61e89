import type { Provider } from '@nestjs/common';
import { EDITION_LIFECYCLE, MESSAGE_SOURCE, type MessageSource } from '../delivery/delivery-ports';
import { EDITION_LABELS, type EditionLabels } from '../subscribers/edition-labels';
import { DigestEditionLifecycle } from './edition-lifecycle';
import { EditionRenderer } from './edition-renderer';
import { EditionsRepository } from './editions.repository';

/** Digests' implementations of the ports the lower modules declare (delivery's and subscribers'). */
export const DIGESTS_PORTS: Provider[] = [
  { provide: EDITION_LIFECYCLE, useExisting: DigestEditionLifecycle },
  {
    provide: MESSAGE_SOURCE,
    inject: [EditionRenderer, EditionsRepository],
    useFactory: (renderer: EditionRenderer, editions: EditionsRepository): MessageSource => ({
      renderSegment: async (editionId, segmentKey) => {
        const [render, list] = await Promise.all([
          renderer.renderForSegment(editionId, segmentKey),
          editions.listOf(editionId),
        ]);
        return { subject: render.subject, html: render.html, text: render.text, list: list ?? undefined };
      },
    }),
  },
  {
    provide: EDITION_LABELS,
    inject: [EditionsRepository],
    useFactory: (editions: EditionsRepository): EditionLabels => ({ labels: (ids) => editions.labels(ids) }),
  },
];

export const DIGESTS_PORT_TOKENS = [EDITION_LIFECYCLE, MESSAGE_SOURCE, EDITION_LABELS];
