import { INestApplication, Injectable, OnApplicationShutdown } from '@nestjs/common';
import connectPgSimple from 'connect-pg-simple';
import cookieParser from 'cookie-parser';
import { doubleCsrf, DoubleCsrfUtilities } from 'csrf-csrf';
import type { Request, RequestHandler, Response } from 'express';
import session, { type SessionData } from 'express-session';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { hmac, safeEqual } from '../common/secure-token';
import { AppConfig } from '../config/app-config';
import { ApiTokens } from './api-tokens';
import { EDITOR_KEY } from './current-editor';
import { EditorAccounts } from './editor-accounts';
import { saveSessionBeforeRedirect } from './save-before-redirect';
import { signInUrl } from './sign-in-url';
import { SignedInEditor } from './signed-in-editor';

export const SESSION_COOKIE = 'nashra.sid';
const SESSION_MAX_AGE_MS = 14 * 24 * 3600_000;
/** How long a sign-in may wait at its second step. */
export const PENDING_SIGN_IN_TTL_MS = 10 * 60_000;
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

type EditorRequest = Request & { nashraEditor?: Promise<SignedInEditor | undefined>; nashraApiToken?: boolean };

export function isUnsafeMethod(method: string): boolean {
  return UNSAFE_METHODS.has(method.toUpperCase());
}

/**
 * Editor sessions and CSRF for everything under /admin (readers' routes never get a cookie).
 * express-session with connect-pg-simple keeps sessions in PostgreSQL (table `editor_sessions`, made by a
 * migration) so any instance can serve any editor; csrf-csrf's double-submit token is bound to the session
 * id and sent back as the `_csrf` form field or the `X-CSRF-Token` header (htmx sends it on every request).
 * Both secrets are derived from SECRET_KEY.
 */
@Injectable()
export class EditorSessions implements OnApplicationShutdown {
  readonly secureCookies: boolean;
  private readonly csrf: DoubleCsrfUtilities;
  private readonly store: session.Store & { close?: () => unknown };

  constructor(
    private readonly config: AppConfig,
    private readonly accounts: EditorAccounts,
    private readonly dataSource: DataSource,
    private readonly tokens: ApiTokens,
  ) {
    this.secureCookies = config.publicBaseUrl.startsWith('https:');
    const PgStore = connectPgSimple(session);
    const pool = (dataSource.driver as unknown as { master: Pool }).master;
    this.store = new PgStore({ pool, tableName: 'editor_sessions', createTableIfMissing: false });
    const csrfSecret = hmac(config.secretKey, 'nashra editor csrf').toString('base64url');
    this.csrf = doubleCsrf({
      getSecret: () => csrfSecret,
      getSessionIdentifier: (req) => req.sessionID ?? '',
      cookieName: this.secureCookies ? '__Host-nashra.csrf' : 'nashra.csrf',
      cookieOptions: { sameSite: 'lax', path: '/', secure: this.secureCookies, httpOnly: true },
      getCsrfTokenFromRequest: (req) => {
        const header = req.headers['x-csrf-token'];
        const field = (req.body as Record<string, unknown> | undefined)?._csrf;
        return typeof header === 'string' ? header : typeof field === 'string' ? field : undefined;
      },
    });
  }

  /** cookie-parser and express-session, mounted on /admin by configureApp. */
  middleware(): RequestHandler[] {
    return [
      cookieParser(),
      session({
        name: SESSION_COOKIE,
        secret: hmac(this.config.secretKey, 'nashra editor session').toString('base64url'),
        store: this.store,
        resave: false,
        saveUninitialized: false,
        rolling: true,
        cookie: {
          httpOnly: true,
          sameSite: 'lax',
          secure: this.secureCookies,
          path: '/admin',
          maxAge: SESSION_MAX_AGE_MS,
        },
      }),
      saveSessionBeforeRedirect(),
    ];
  }

  /**
   * Mounts cookies, sessions and the Swagger gate on /admin, ahead of every /admin route (Nest's and
   * Swagger's). Called by configureApp before SwaggerModule.setup.
   */
  install(app: INestApplication): void {
    app.use('/admin', ...this.middleware());
    const gate: RequestHandler = (req, res, next) => {
      void (async () => {
        if (this.hasBearerHeader(req) ? this.bearerIsValid(req) : await this.editorOf(req)) {
          return next();
        }
        if (this.hasBearerHeader(req) && (await this.tokens.fromRequest(req))) {
          // A scoped token is real but opens only its own routes; the API's description is not one of them.
          return res.status(403).json({ statusCode: 403, message: 'This token opens only the routes of its scopes' });
        }
        if (!this.hasBearerHeader(req) && req.method === 'GET' && req.accepts(['json', 'html']) === 'html') {
          return res.redirect(303, signInUrl(req.originalUrl));
        }
        res.status(401).json({ statusCode: 401, message: 'Sign in, or send Authorization: Bearer <EDITOR_TOKEN>' });
      })().catch(next);
    };
    app.use(['/admin/docs', '/admin/docs-json', '/admin/docs-yaml'], gate);
  }

  /**
   * The signed-in editor of this request (looked up once per request), or undefined. Also leaves it where
   * `@CurrentEditor()` reads it.
   */
  async editorOf(req: Request): Promise<SignedInEditor | undefined> {
    const r = req as EditorRequest;
    r.nashraEditor ??= r.session?.editorId ? this.accounts.find(r.session.editorId) : Promise.resolve(undefined);
    const editor = await r.nashraEditor;
    (req as unknown as Record<string, unknown>)[EDITOR_KEY] = editor;
    return editor;
  }

  /** True when the request carries `Authorization: Bearer <EDITOR_TOKEN>`. */
  hasBearerHeader(req: Request): boolean {
    return req.headers.authorization !== undefined;
  }

  bearerIsValid(req: Request): boolean {
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    return Boolean(match && safeEqual(match[1], this.config.editorToken));
  }

  /** The CSRF token for forms and htmx (sets or reuses its cookie). */
  csrfToken(req: Request, res: Response): string {
    return this.csrf.generateCsrfToken(req, res);
  }

  /**
   * Checks the request's CSRF token; on success removes the `_csrf` field from the body so DTOs validated
   * with `forbidNonWhitelisted` never see it.
   */
  acceptCsrf(req: Request): boolean {
    if (!req.cookies || !this.csrf.validateRequest(req)) {
      return false;
    }
    const body = req.body as Record<string, unknown> | undefined;
    if (body && typeof body === 'object' && '_csrf' in body) {
      delete body._csrf;
    }
    return true;
  }

  /**
   * Starts a fresh session for the editor (a new id, so a session fixed before sign-in is worthless).
   * `secondStepAt` (ms) when the sign-in included a second step; see SessionData.secondStepAt.
   */
  async signIn(req: Request, editor: SignedInEditor, secondStepAt?: number): Promise<void> {
    await new Promise<void>((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
    req.session.editorId = editor.id;
    if (secondStepAt !== undefined) {
      req.session.secondStepAt = secondStepAt;
    }
    (req as EditorRequest).nashraEditor = Promise.resolve(editor);
    await new Promise<void>((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())));
  }

  /**
   * The first step was right but the sign-in is not finished: a fresh session that holds only the pending
   * sign-in (no editorId, so nothing in the newsroom opens), for PENDING_SIGN_IN_TTL_MS.
   */
  async beginPending(req: Request, pending: NonNullable<SessionData['pendingSignIn']>): Promise<void> {
    await new Promise<void>((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
    req.session.pendingSignIn = pending;
    await new Promise<void>((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())));
  }

  /** The pending sign-in of this session while it is fresh, else undefined. */
  pendingOf(req: Request): SessionData['pendingSignIn'] {
    const pending = req.session?.pendingSignIn;
    return pending && Date.now() - pending.at < PENDING_SIGN_IN_TTL_MS ? pending : undefined;
  }

  /** Records a second step passed now in a signed-in session (a step-up). */
  recordSecondStep(req: Request): void {
    req.session.secondStepAt = Date.now();
  }

  async signOut(req: Request, res: Response): Promise<void> {
    if (req.session) {
      await new Promise<void>((resolve, reject) => req.session.destroy((err) => (err ? reject(err) : resolve())));
    }
    res.clearCookie(SESSION_COOKIE, { path: '/admin' });
  }

  /** Ends every session of one editor except the current one (after a password change). */
  async endOtherSessions(editorId: string, keepSid: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM editor_sessions WHERE sess->>'editorId' = $1 AND sid <> $2`, [
      editorId,
      keepSid,
    ]);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.store.close?.();
  }
}
