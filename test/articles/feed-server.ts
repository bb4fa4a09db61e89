import { createServer, IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FeedRoute = (req: IncomingMessage, res: ServerResponse) => void;

export interface SeenRequest {
  path: string;
  headers: IncomingHttpHeaders;
  /** Status the route answered with (after it finished). */
  status?: number;
}

/** A local HTTP server the tests put feeds on; it records every request and what it answered. */
export class FeedServer {
  readonly requests: SeenRequest[] = [];
  private readonly routes = new Map<string, FeedRoute>();
  private server!: Server;
  private baseUrl = '';

  static async start(): Promise<FeedServer> {
    const s = new FeedServer();
    s.server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const seen: SeenRequest = { path: req.url ?? '/', headers: req.headers };
      s.requests.push(seen);
      res.on('finish', () => (seen.status = res.statusCode));
      res.on('close', () => (seen.status ??= res.statusCode));
      const route = s.routes.get(path);
      if (!route) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      route(req, res);
    });
    await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve));
    s.baseUrl = `http://127.0.0.1:${(s.server.address() as AddressInfo).port}`;
    return s;
  }

  url(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  route(path: string, handler: FeedRoute): string {
    this.routes.set(path, handler);
    return this.url(path);
  }

  /** Serves a document with a fixed ETag, answering 304 to a matching If-None-Match. */
  serve(path: string, contentType: string, body: () => string, etag?: () => string): string {
    return this.route(path, (req, res) => {
      const tag = etag?.();
      if (tag && req.headers['if-none-match'] === tag) {
        res.writeHead(304, { etag: tag }).end();
        return;
      }
      res.writeHead(200, { 'content-type': contentType, ...(tag ? { etag: tag } : {}) }).end(body());
    });
  }

  requestsTo(path: string): SeenRequest[] {
    return this.requests.filter((r) => r.path.split('?')[0] === path);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
