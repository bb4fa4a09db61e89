export const READER_ACTIVITY = Symbol('READER_ACTIVITY');

/** A link of an edition the reader followed. */
export interface ReaderClick {
  editionId: string;
  url: string;
  clickedAt: Date;
}

/** An edition's email opened: by the reader, or fetched by their mail server (e.g. Apple Mail's privacy proxy). */
export interface ReaderOpen {
  editionId: string;
  openedAt: Date | null;
  machineOpenedAt: Date | null;
}

/**
 * What a reader did with the editions they got, for their privacy export. Declared here and provided by
 * engagement (which owns clicks and opens), so readers never read those tables.
 */
export interface ReaderActivity {
  of(subscriberId: string): Promise<{ clicks: ReaderClick[]; opens: ReaderOpen[] }>;
}
