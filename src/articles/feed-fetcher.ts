import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';

export interface FeedValidators {
  etag?: string | null;
  lastModified?: string | null;
}

export type FeedResponse =
  | { status: 'not_modified' }
  | { status: 'ok'; text: string; etag: string | null; lastModified: string | null; finalUrl: string };

/** Why a feed could not be fetched, in words fit for a log line and the feeds status page. */
export class FeedFetchError extends Error {}

export const FEED_MAX_BYTES = 5 * 1024 * 1024;
export const FEED_MAX_REDIRECTS = 3;

/**
 * The one place nashra reaches out to feed servers. Conditional GET (ETag / Last-Modified), a time limit for
 * the whole exchange, a body-size cap enforced while streaming (a 50 MB answer is refused after 5 MB, not read),
 * and at most three redirects, followed by hand so each hop is checked.
 */
@Injectable()
export class FeedFetcher {
  constructor(private readonly config: AppConfig) {}

  async fetch(url: string, validators: FeedValidators = {}): Promise<FeedResponse> {
    const timeoutMs = this.config.env.FEED_FETCH_TIMEOUT_SECONDS * 1000;
    // Our own timer rather than AbortSignal.timeout, so it is cleared as soon as the exchange ends.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new FeedFetchError(`timed out after ${timeoutMs / 1000} s`)), timeoutMs);
    const signal = abort.signal;
    const headers: Record<string, string> = {
      accept: 'application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, */*;q=0.5',
      'user-agent': `nashra/0.1 (+${this.config.publicBaseUrl})`,
    };
    if (validators.etag) {
      headers['if-none-match'] = validators.etag;
    }
    if (validators.lastModified) {
      headers['if-modified-since'] = validators.lastModified;
    }

    let current = url;
    try {
      for (let hop = 0; ; hop++) {
        if (!/^https?:\/\//i.test(current)) {
          throw new FeedFetchError(`not an http(s) URL: ${current}`);
        }
        const response = await fetch(current, { headers, redirect: 'manual', signal });
        if (response.status >= 300 && response.status < 400 && response.status !== 304) {
          await response.body?.cancel();
          const location = response.headers.get('location');
          if (!location) {
            throw new FeedFetchError(`HTTP ${response.status} without a Location header`);
          }
          if (hop >= FEED_MAX_REDIRECTS) {
            throw new FeedFetchError(`too many redirects (more than ${FEED_MAX_REDIRECTS})`);
          }
          current = new URL(location, current).toString();
          continue;
        }
        if (response.status === 304) {
          await response.body?.cancel();
          return { status: 'not_modified' };
        }
        if (!response.ok) {
          await response.body?.cancel();
          throw new FeedFetchError(`HTTP ${response.status} ${response.statusText}`.trim());
        }
        const body = await readCapped(response, FEED_MAX_BYTES);
        return {
          status: 'ok',
          text: decode(body, response.headers.get('content-type')),
          etag: response.headers.get('etag'),
          lastModified: response.headers.get('last-modified'),
          finalUrl: current,
        };
      }
    } catch (err) {
      throw toFetchError(signal.aborted ? signal.reason : err, timeoutMs);
    } finally {
      clearTimeout(timer);
    }
  }
}

async function readCapped(response: Response, maxBytes: number): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length'));
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new FeedFetchError(`too large: ${declared} bytes declared, limit ${maxBytes}`);
  }
  if (!response.body) {
    return Buffer.alloc(0);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      break;
    }
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new FeedFetchError(`too large: more than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** The text of a feed body: charset from Content-Type, else the XML declaration, else UTF-8. */
function decode(body: Buffer, contentType: string | null): string {
  const declared =
    /charset="?([\w-]+)/i.exec(contentType ?? '')?.[1] ??
    /^\s*<\?xml[^>]*encoding=["']([\w-]+)["']/i.exec(body.subarray(0, 200).toString('latin1'))?.[1] ??
    'utf-8';
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder(declared);
  } catch {
    decoder = new TextDecoder('utf-8');
  }
  return decoder.decode(body).replace(/^\uFEFF/, '');
}

// Duck-typed rather than `instanceof Error`: fetch's errors may come from another realm (e.g. under jest).
function toFetchError(err: unknown, timeoutMs: number): FeedFetchError {
  if (err instanceof FeedFetchError) {
    return err;
  }
  const e = (err ?? {}) as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') {
    return new FeedFetchError(`timed out after ${timeoutMs / 1000} s`);
  }
  if (e.cause?.code) {
    return new FeedFetchError(`unreachable (${e.cause.code})`);
  }
  return new FeedFetchError(`fetch failed: ${e.cause?.message ?? e.message ?? String(err)}`);
}
