import type { IncomingMessage, ServerResponse } from 'node:http';
import { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { text } from 'express';
import { Logger } from 'nestjs-pino';
import { EditorSessions } from './auth/editor-sessions';
import { serveFavicon } from './common/favicon';
import { refuseDeepJson } from './common/json-depth';
import { Locale } from './common/locale';
import { QuietStartupLogger } from './common/logging';
import { readerSecurityHeaders } from './common/security-headers';
import { unreadBodyDefaults } from './common/unread-body';
import { AppConfig } from './config/app-config';

function keepWebhookRawBody(req: { url?: string; rawBody?: Buffer }, _res: unknown, buf: Buffer): void {
  if (req.url?.startsWith('/webhooks/')) {
    req.rawBody = buf;
  }
}

/** Everything about the HTTP app that is not a module: shared by main.ts and the e2e tests. */
export function configureApp(app: INestApplication): void {
  const express = app as NestExpressApplication;
  const config = app.get(AppConfig);
  app.useLogger(new QuietStartupLogger(app.get(Logger)));
  // Only the proxies named in TRUST_PROXY may set the client address (X-Forwarded-For); default none.
  express.set('trust proxy', config.trustProxy);
  express.disable('x-powered-by');
  serveFavicon(express);
  // Before the body parsers, so that their error pages (413) carry the headers too.
  express.use(readerSecurityHeaders(config.siteOrigins));
  // Small bodies only: a signup is a few hundred bytes; CMS batches get more room under /admin.
  // JSON nesting is checked on the raw bytes before parsing (refuseDeepJson), so no body reaches the stack; the
  // bounce webhook checks an HMAC of the exact bytes it was sent, so it keeps them (req.rawBody).
  express.useBodyParser('json', {
    limit: '2mb',
    verify: (req: IncomingMessage & { rawBody?: Buffer }, res: ServerResponse, buf: Buffer) => {
      refuseDeepJson(req, res, buf);
      keepWebhookRawBody(req, res, buf);
    },
  });
  express.useBodyParser('urlencoded', { limit: '16kb', extended: false });
  // Amazon SNS posts its JSON as text/plain; only that webhook reads a text body.
  express.use('/webhooks/bounces/ses', text({ type: 'text/plain', limit: '256kb' }));
  // Every write route has a body from here on: `{}` when none was sent, 415 when none of the parsers read it.
  express.use(unreadBodyDefaults(app.get(Locale).t('hardening.unsupportedBody')));
  // The ValidationPipe and the readers' exception filter are APP_PIPE / APP_FILTER providers of AppModule.
  // Editor sessions, CSRF and the Swagger gate on /admin only, before any /admin route is mounted.
  app.get(EditorSessions).install(app);

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('nashra admin API')
      .setDescription(`Editors' API of ${config.publication.name}'s newsletter. Authenticate with the editor token.`)
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer' }, 'editor')
      .build(),
  );
  SwaggerModule.setup('admin/docs', app, document);
}
