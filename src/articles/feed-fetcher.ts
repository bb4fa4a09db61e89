import { Injectable, Logger } from '@nestjs/common';
import { Agent, fetch, type Response } from 'undici';
import { AppConfig } from '../config/app-config';
import { FeedAddressPolicy, feedTarget } from './feed-address-policy';

export interface FeedValidators {
  etag?: string | null;
  lastModified?: string | null;
}

export type FeedResponse =
  | { status: 'not_modified' }
  | { status: 'ok'; text: string; etag: string | null; lastModified: string | null; finalUrl: string };

/**
 * Why a feed could not be fetched, as one category editors can act on: `unreachable`, `not a feed`, `too large`,
 * `timed out`. Never a socket error code: those told a closed port from an open non-HTTP service from a web
 * server, which made the feeds screen a port scanner. `detail` is for the server log only.
 */
export class FeedFetchError extends Error {
  constructor(
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

const UNREACHABLE = 'unreachable';

export type FeedFailureCategory = 'unreachable' | 'notAFeed' | 'tooLarge' | 'timedOut';

/** The category of a feed's recorded failure (its `last_error`), for labels in the editors' language. */
export function feedFailureCategory(lastError: string | null): FeedFailureCategory | null {
  if (!lastError) {
    return null;
  }
  return lastError.startsWith('timed out')
    ? 'timedOut'
    : lastError.startsWith('too large')
      ? 'tooLarge'
      : lastError.startsWith('not a feed')
        ? 'notAFeed'
        : 'unreachable';
}

export const FEED_MAX_BYTES = 5 * 1024 * 1024;
export const FEED_MAX_REDIRECTS = 3;

/**
 * The one place nashra reaches out to feed servers. Conditional GET (ETag / Last-Modified), a time limit for
 * the whole exchange, a body-size cap enforced while streaming (a 50 MB answer is refused after 5 MB, not read),
 * and at most three redirects, followed by hand so each hop is checked: every hop gets its own connection whose
 * address FeedAddressPolicy approves when the socket is opened (undici's `connect.lookup`), IP literals before.
 */
@Injectable()
export class FeedFetcher {
  private readonly logger = new Logger(FeedFetcher.name);

  constructor(
    private readonly config: AppConfig,
    private readonly policy: FeedAddressPolicy,
  ) {}

  async fetch(url: string, validators: FeedValidators = {}): Promise<FeedResponse> {
    const timeoutMs = this.config.feeds.fetchTimeoutSeconds * 1000;
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
        const response = await this.fetchOne(current, headers, signal);
        if (response.status >= 300 && response.status < 400 && response.status !== 304) {
          await response.body?.cancel();
          const location = response.headers.get('location');
          if (!location) {
            throw new FeedFetchError(`not a feed: HTTP ${response.status} without a Location header`);
          }
          if (hop >= FEED_MAX_REDIRECTS) {
            throw new FeedFetchError(`${UNREACHABLE}: too many redirects (more than ${FEED_MAX_REDIRECTS})`);
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
          throw new FeedFetchError(`not a feed: HTTP ${response.status}`);
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
      const failure = toFetchError(signal.aborted ? signal.reason : err, timeoutMs);
      if (failure.detail) {
        this.logger.warn(`Feed ${url}: ${failure.message} (${failure.detail})`);
      }
      throw failure;
    } finally {
      clearTimeout(timer);
    }
  }

  /** One request, on a connection of its own whose address the policy approves. */
  private async fetchOne(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<Response> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new FeedFetchError(`${UNREACHABLE}: not a URL`);
    }
    if (!['http:', 'https:'].includes(parsed.protocol) || parsed.username || parsed.password) {
      throw new FeedFetchError(`${UNREACHABLE}: not an http(s) URL`);
    }
    const target = feedTarget(parsed);
    if (this.policy.refusedLiteral(target)) {
      throw new FeedFetchError(UNREACHABLE, `address refused: ${target.hostname}`);
    }
    const dispatcher = new Agent({
      connect: this.policy.allowsHost(target) ? {} : { lookup: this.policy.lookupFor(target) },
      // One request per agent: nothing is kept alive into the next hop or poll.
      pipelining: 0,
    });
    const response = await fetch(parsed, { headers, redirect: 'manual', signal, dispatcher });
    // The agent closes once the body is read or cancelled; its socket never serves another host.
    void dispatcher.close().catch(() => undefined);
    return response;
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
// Whatever the socket said (refused, reset, not HTTP, no such host, address refused by the policy), the editor
// reads `unreachable`; the code goes to the log.
function toFetchError(err: unknown, timeoutMs: number): FeedFetchError {
  if (err instanceof FeedFetchError) {
    return err;
  }
  const e = (err ?? {}) as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') {
    return new FeedFetchError(`timed out after ${timeoutMs / 1000} s`);
  }
  return new FeedFetchError(UNREACHABLE, e.cause?.code ?? e.cause?.message ?? e.message ?? String(err));
}
