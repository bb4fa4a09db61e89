import { Controller, Get, Logger, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AuditLog } from '../auth/audit-log';
import { EditorAccounts } from '../auth/editor-accounts';
import { OidcSignIn, SsoRefusal } from '../auth/oidc-sign-in';
import { Public } from '../auth/require-permission';
import { errorMessage } from '../common/error-message';
import { Locale } from '../common/locale';
import { NewsroomView } from './newsroom-view';
import { SignInFlow } from './sign-in-flow';
import { safeNext } from './sign-in.controller';

const SSO_TTL_MS = 10 * 60_000;

/**
 * Single sign-on (OpenID Connect) when OIDC_ISSUER is set: /admin/login/sso sends the browser to the issuer,
 * /admin/login/sso/callback brings it back. A first sign-in makes the account with the role OIDC_DEFAULT_ROLE.
 * Then the usual second step applies, unless the issuer reports a multi-factor sign-in, which counts as it.
 */
@ApiExcludeController()
@Controller('admin/login/sso')
@Public()
export class SsoController {
  private readonly logger = new Logger(SsoController.name);

  constructor(
    private readonly sso: OidcSignIn,
    private readonly accounts: EditorAccounts,
    private readonly flow: SignInFlow,
    private readonly view: NewsroomView,
    private readonly audit: AuditLog,
    private readonly locale: Locale,
  ) {}

  @Get()
  async start(@Req() req: Request, @Res() res: Response, @Query('next') next?: string): Promise<void> {
    if (!this.sso.enabled) {
      return res.redirect(303, '/admin/login');
    }
    try {
      const { url, checks } = await this.sso.start();
      req.session.oidc = { ...checks, next: safeNext(next), at: Date.now() };
      res.redirect(303, url);
    } catch (err) {
      await this.refuse(req, res, 502, 'unreachable', errorMessage(err));
    }
  }

  @Get('callback')
  async callback(@Req() req: Request, @Res() res: Response): Promise<void> {
    const held = req.session?.oidc;
    if (req.session) {
      delete req.session.oidc;
    }
    if (!this.sso.enabled || !held || Date.now() - held.at > SSO_TTL_MS) {
      return this.refuse(req, res, 400, 'expired');
    }
    try {
      const identity = await this.sso.finish(req, held);
      const { editor, created } = await this.accounts.forSingleSignOn({ ...identity, role: this.sso.defaultRole });
      if (created) {
        await this.audit.record(editor, 'editor.created-by-sso', undefined, {
          issuer: this.sso.label,
          role: editor.role,
        });
      }
      if (identity.multiFactor) {
        await this.flow.complete(req, res, editor, { next: held.next, method: 'oidc', secondStep: 'oidc-mfa' });
        return;
      }
      await this.flow.afterFirstStep(req, res, editor, held.next, 'oidc');
    } catch (err) {
      if (err instanceof SsoRefusal) {
        return this.refuse(req, res, 403, err.reason);
      }
      throw err;
    }
  }

  private async refuse(req: Request, res: Response, status: number, reason: string, detail?: string): Promise<void> {
    if (detail) {
      this.logger.warn(`Single sign-on unavailable: ${detail}`);
    }
    req.session.signInFormAt = Date.now();
    await this.view.page(
      req,
      res,
      'login',
      {
        next: '/admin',
        error: this.locale.t(`signin.sso.${reason}`),
        sso: { label: this.sso.label, href: '/admin/login/sso' },
      },
      { status, title: this.locale.t('signin.title'), nav: 'login' },
    );
  }
}
