export const EDITION_LABELS = Symbol('EDITION_LABELS');

/**
 * How a reader's export names the editions they were sent. Declared here and provided by digests (which owns
 * editions), so readers never read the editions table.
 */
export interface EditionLabels {
  /** Key and subject of each edition that still exists. */
  labels(editionIds: string[]): Promise<Map<string, { key: string; subject: string }>>;
}
