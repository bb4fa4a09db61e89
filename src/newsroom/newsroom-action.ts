import {
  applyDecorators,
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  Res,
  SetMetadata,
  UseInterceptors,
} from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { ModuleRef, Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { from, lastValueFrom, Observable } from 'rxjs';
import { AuditLog } from '../auth/audit-log';
import { EDITOR_KEY, type SignedInEditor } from '../auth/current-editor';
import { ConflictError, DomainError, domainStatus, InvalidInputError, NotFoundError } from '../common/domain-errors';
import { Locale } from '../common/locale';
import { FlashTone, NewsroomView } from './newsroom-view';

/** What an action method returns: the words for the editor and what the audit log keeps. */
export interface ActionOutcome {
  /** The message flashed on the next page, in the editor's words. */
  flash: string;
  tone?: FlashTone;
  /** The audit entry's subject (a feed URL, `topic:<key>`) and detail. */
  subject?: string;
  detail?: Record<string, unknown>;
  /** The audit action when it depends on the input (`topic.hide` or `topic.show`); else the decorator's. */
  action?: string;
  /** Where to go instead of the decorator's `redirect` (a path the action checked, e.g. the form's `back`). */
  redirect?: string;
}

type DomainErrorClass = abstract new (...args: never[]) => DomainError;

/** Locale keys for refusals of a kind that carry an English sentence rather than words of their own. */
type RefusalWords = { notFound?: string; conflict?: string; invalid?: string };

export interface NewsroomActionOptions {
  /** Where the editor goes (303) after the action; `:name` parts are the route's parameters. */
  redirect: string;
  /** What a refusal (a DomainError the service threw) shows. */
  refused?: {
    /**
     * 'redirect' (the default): the reason flashed and a 303 to `to` (default: `redirect`); 'screen': the
     * controller's screen (NewsroomScreen) again with the refusal's status (400, 404, 409) and the reason flashed.
     */
    show?: 'redirect' | 'screen';
    to?: string;
    /** Refusals not the editor's to fix on this form: they go on to the exception filters (an unknown newsletter's 404). */
    passOn?: DomainErrorClass[];
    say?: RefusalWords;
  };
}

/** A controller whose screen is shown again, with the reason flashed, when one of its actions is refused. */
export interface NewsroomScreen {
  screen(req: Request, res: Response, status: number): Promise<void>;
}

const NEWSROOM_ACTION = 'nashra:newsroom-action';

interface ActionMetadata extends NewsroomActionOptions {
  action: string;
}

/**
 * A newsroom form's action: the method does the change and returns an ActionOutcome; this records it in the audit
 * log under `action` (e.g. `feed.add`), flashes the outcome and redirects (303, after the session is saved so the
 * flash survives). A DomainError the change throws is a refusal: its reason is flashed and the editor goes back
 * (or sees the screen again, `refused.show: 'screen'`); nothing is audited. Other errors (validation, a real
 * failure) go on to the exception filters.
 *
 * The decorator also marks the response as handled (as `@Res()` would), so the method needs neither `@Req()` nor
 * `@Res()`: `add(@Body() form, @CurrentEditor() editor): Promise<ActionOutcome>`.
 */
export function NewsroomAction(action: string, options: NewsroomActionOptions): MethodDecorator {
  return applyDecorators(
    SetMetadata(NEWSROOM_ACTION, { ...options, action } satisfies ActionMetadata),
    UseInterceptors(NewsroomActionInterceptor),
    takesResponse,
  );
}

/** Declares a `@Res()` argument after the method's own, so Nest leaves the answer to the interceptor. */
const takesResponse: MethodDecorator = (target, key) => {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, target.constructor, key) ?? {}) as Record<
    string,
    { index: number }
  >;
  const declared = (Reflect.getMetadata('design:paramtypes', target, key) as unknown[] | undefined)?.length ?? 0;
  const index = Math.max(declared, ...Object.values(args).map((arg) => arg.index + 1));
  Res()(target, key, index);
};

@Injectable()
export class NewsroomActionInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly moduleRef: ModuleRef,
    private readonly audit: AuditLog,
    private readonly view: NewsroomView,
    private readonly locale: Locale,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler<ActionOutcome>): Observable<void> {
    const meta = this.reflector.get<ActionMetadata>(NEWSROOM_ACTION, context.getHandler());
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    return from(
      lastValueFrom(next.handle()).then(
        (outcome) => this.done(meta, req, res, outcome),
        (err: unknown) => this.refused(meta, context, req, res, err),
      ),
    );
  }

  private async done(meta: ActionMetadata, req: Request, res: Response, outcome: ActionOutcome): Promise<void> {
    const editor = (req as unknown as Record<string, SignedInEditor | undefined>)[EDITOR_KEY];
    if (!editor) {
      // @NewsroomPage() puts the editor there before any handler runs; an action nobody signed is a wiring mistake.
      throw new Error(`@NewsroomAction('${meta.action}') ran without a signed-in editor`);
    }
    await this.audit.record(editor, outcome.action ?? meta.action, outcome.subject, outcome.detail);
    this.view.flash(req, outcome.flash, outcome.tone ?? 'success');
    res.redirect(303, outcome.redirect ?? withParams(meta.redirect, req));
  }

  private async refused(
    meta: ActionMetadata,
    context: ExecutionContext,
    req: Request,
    res: Response,
    err: unknown,
  ): Promise<void> {
    const refused = meta.refused ?? {};
    const reason = err instanceof DomainError ? this.reason(err, refused.say ?? {}) : null;
    if (!reason || (refused.passOn ?? []).some((kind) => err instanceof kind)) {
      throw err;
    }
    this.view.flash(req, reason, 'error');
    if (refused.show === 'screen') {
      const controller = this.moduleRef.get<NewsroomScreen>(context.getClass(), { strict: false });
      return controller.screen(req, res, domainStatus(err as DomainError));
    }
    res.redirect(303, withParams(refused.to ?? meta.redirect, req));
  }

  /** The refusal in the editor's words; null when it has none (an English sentence for logs and the API). */
  private reason(err: DomainError, say: RefusalWords): string | null {
    if (err.key) {
      return this.locale.t(err.key, err.params);
    }
    const key =
      err instanceof NotFoundError
        ? say.notFound
        : err instanceof ConflictError
          ? say.conflict
          : err instanceof InvalidInputError
            ? say.invalid
            : undefined;
    return key ? this.locale.t(key, err.params) : null;
  }
}

/** `/admin/settings/newsletters/:slug` with the request's `slug`. */
function withParams(path: string, req: Request): string {
  return path.replace(/:(\w+)/g, (m, name: string) => {
    const value = (req.params as Record<string, string | undefined>)[name];
    return value === undefined ? m : encodeURIComponent(value);
  });
}
