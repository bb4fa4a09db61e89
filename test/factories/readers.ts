import type { DataSource } from 'typeorm';

/** Reader rows inserted with SQL, so an audience of thousands costs one statement. */

export interface ReaderOptions {
  count: number;
  /** Address of reader i (1-based); default `reader<i>@example.org` with a prefix. */
  prefix?: string;
  domain?: string;
  frequency?: 'daily' | 'weekly';
  topics?: string[];
  status?: string;
  /** Newsletter slugs the readers subscribe to; default their frequency's digest and `breaking`, as the
   * Newsletters migration gave every reader. */
  newsletters?: string[];
}

/** The subscriptions a reader of this frequency had after the Newsletters migration. */
function defaultNewsletters(frequency: string | undefined): string[] {
  return [frequency ?? 'daily', 'breaking'];
}

/** Subscribes readers (active subscriptions) to the newsletters of these slugs. */
export async function subscribeReaders(ds: DataSource, ids: string[], slugs: string[]): Promise<void> {
  await ds.query(
    `INSERT INTO subscriptions (subscriber_id, newsletter_id, status)
     SELECT r.id, n.id, 'active' FROM unnest($1::bigint[]) AS r(id) JOIN newsletters n ON n.slug = ANY($2::text[])
     ON CONFLICT (subscriber_id, newsletter_id) DO UPDATE SET status = 'active', unsubscribed_at = NULL`,
    [ids, slugs],
  );
}

/** Inserts `count` confirmed readers and returns their ids and addresses in insertion order. */
export async function insertReaders(
  ds: DataSource,
  options: ReaderOptions,
): Promise<Array<{ id: string; email: string }>> {
  const prefix = options.prefix ?? 'reader';
  const domain = options.domain ?? 'example.org';
  const rows: Array<{ id: string; email: string }> = await ds.query(
    `INSERT INTO subscribers (email, email_key, status, frequency, topics, confirmed_at)
     SELECT $1 || i || '@' || $2, lower($1 || i || '@' || $2), $3, $4, $5::text[], now()
     FROM generate_series(1, $6::int) AS i
     ORDER BY i
     RETURNING id, email`,
    [prefix, domain, options.status ?? 'active', options.frequency ?? 'daily', options.topics ?? [], options.count],
  );
  const readers = rows.map((r) => ({ id: String(r.id), email: r.email }));
  await subscribeReaders(
    ds,
    readers.map((r) => r.id),
    options.newsletters ?? defaultNewsletters(options.frequency),
  );
  return readers;
}

/** Inserts one reader (active, daily, all topics unless told) and returns its id. */
export async function insertReader(
  ds: DataSource,
  email: string,
  extra: { frequency?: string; topics?: string[]; status?: string; newsletters?: string[] } = {},
): Promise<string> {
  const rows: Array<{ id: string }> = await ds.query(
    `INSERT INTO subscribers (email, email_key, status, frequency, topics) VALUES ($1, lower($1), $2, $3, $4::text[])
     RETURNING id`,
    [email, extra.status ?? 'active', extra.frequency ?? 'daily', extra.topics ?? []],
  );
  const id = String(rows[0].id);
  await subscribeReaders(ds, [id], extra.newsletters ?? defaultNewsletters(extra.frequency));
  return id;
}
