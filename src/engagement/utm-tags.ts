/** utm_source/medium/campaign for a newsletter link; null: leave links as they are. */
export interface UtmTags {
  source: string;
  campaign: string;
}

/**
 * The URL with `utm_source`, `utm_medium=email` and `utm_campaign` appended to its query. The existing query and
 * fragment are kept byte for byte (no re-encoding), tags the site already set are left alone, and anything
 * that is not an http(s) URL is returned unchanged.
 */
export function withUtm(url: string, tags: UtmTags | null): string {
  if (!tags || !/^https?:\/\//i.test(url)) {
    return url;
  }
  const hashAt = url.indexOf('#');
  const base = hashAt < 0 ? url : url.slice(0, hashAt);
  const fragment = hashAt < 0 ? '' : url.slice(hashAt);
  const queryAt = base.indexOf('?');
  const existing = new Set(
    (queryAt < 0 ? '' : base.slice(queryAt + 1))
      .split('&')
      .map((pair) => pair.split('=', 1)[0].toLowerCase())
      .filter(Boolean),
  );
  const added = (
    [
      ['utm_source', tags.source],
      ['utm_medium', 'email'],
      ['utm_campaign', tags.campaign],
    ] as const
  )
    .filter(([key]) => !existing.has(key))
    .map(([key, value]) => `${key}=${encodeURIComponent(value)}`);
  if (added.length === 0) {
    return url;
  }
  const separator = queryAt < 0 ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
  return `${base}${separator}${added.join('&')}${fragment}`;
}
