import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface LinkToTrack {
  /** 1-based place of the article in the edition. */
  index: number;
  articleId: string;
  topics: string[];
  /** Where the click lands: the article URL, UTM tags included. */
  targetUrl: string;
}

/** The tracked links of editions (edition_links), registered by the renderer when it compiles a segment. */
@Injectable()
export class EditionLinks {
  constructor(private readonly dataSource: DataSource) {}

  /** Idempotent: every segment of an edition registers the same links; the first one stays. */
  async register(editionId: string, links: LinkToTrack[]): Promise<void> {
    if (links.length === 0) {
      return;
    }
    await this.dataSource.query(
      `INSERT INTO edition_links (edition_id, link_index, article_id, topics, target_url)
       SELECT $1, l.idx, l.article_id, ARRAY(SELECT jsonb_array_elements_text(l.topics)), l.target_url
         FROM jsonb_to_recordset($2::jsonb) AS l(idx smallint, article_id bigint, topics jsonb, target_url text)
       ON CONFLICT (edition_id, link_index) DO NOTHING`,
      [
        editionId,
        JSON.stringify(
          links.map((l) => ({ idx: l.index, article_id: l.articleId, topics: l.topics, target_url: l.targetUrl })),
        ),
      ],
    );
  }
}
