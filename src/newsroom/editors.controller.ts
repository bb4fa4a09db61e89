import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ApiTokens } from '../auth/api-tokens';
import { AuditLog } from '../auth/audit-log';
import { CurrentEditor, SignedInEditor } from '../auth/current-editor';
import { DuplicateEditorError, EditorAccounts, LastOwnerError, normaliseEmail } from '../auth/editor-accounts';
import { NewsroomPage } from '../auth/newsroom-page';
import { GRANTABLE, isRole, Permission, ROLES } from '../auth/permissions';
import { RequirePermission } from '../auth/require-permission';
import { NotFoundError } from '../common/domain-errors';
import { Locale } from '../common/locale';
import { EditorInvitations } from './editor-invitations';
import { ActionOutcome, NewsroomAction, NewsroomScreen } from './newsroom-action';
import { NewsroomView } from './newsroom-view';

type InviteForm = Partial<Record<'email' | 'name' | 'role', unknown>>;
type RoleForm = Partial<Record<'role' | 'grants', unknown>>;

/** Locale keys (under roles.grants) naming each grantable permission on the Editors screen. */
const GRANT_LABEL_KEYS: Partial<Record<Permission, string>> = { 'alert.send': 'alertSend' };

/** The editors list: roles and grants, inviting a colleague with a role, and the machine tokens. Owners only. */
@Controller('admin/editors')
@NewsroomPage()
@RequirePermission('editors.manage')
export class EditorsController implements NewsroomScreen {
  constructor(
    private readonly view: NewsroomView,
    private readonly accounts: EditorAccounts,
    private readonly invitations: EditorInvitations,
    private readonly audit: AuditLog,
    private readonly tokens: ApiTokens,
    private readonly locale: Locale,
  ) {}

  @Get()
  async list(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.render(req, res, 200, {});
  }

  // A plain-object body (the ValidationPipe skips it) so a bad address gets this page again, in Arabic.
  @Post('invite')
  async invite(
    @Req() req: Request,
    @Res() res: Response,
    @Body() body: InviteForm = {},
    @CurrentEditor() editor: SignedInEditor,
  ): Promise<void> {
    const email = typeof body.email === 'string' ? normaliseEmail(body.email) : '';
    const name = typeof body.name === 'string' ? body.name.trim().slice(0, 100) : '';
    // The form always sends one; a post without it gets the role that can send nothing to readers.
    const role = body.role ?? 'writer';
    if (!/^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$/.test(email) || email.length > 254) {
      return this.render(req, res, 400, {
        error: this.locale.t('newsroomActions.editors.invalidEmail'),
        email,
        name,
        inviteRole: role,
      });
    }
    if (!isRole(role)) {
      return this.render(req, res, 400, { error: this.locale.t('roles.editors.pickInviteRole'), email, name });
    }
    let invitation: Awaited<ReturnType<EditorAccounts['invite']>>;
    try {
      invitation = await this.accounts.invite({ email, name, role }, editor);
    } catch (err) {
      if (err instanceof DuplicateEditorError) {
        return this.render(req, res, 409, {
          error: this.locale.t('newsroomActions.editors.alreadyEditor'),
          email,
          name,
          inviteRole: role,
        });
      }
      throw err;
    }
    const sent = await this.invitations.send(invitation.editor, invitation.token, editor);
    await this.audit.record(editor, 'editor.invite', email, { mailed: sent, role });
    if (sent) {
      this.view.flash(req, this.locale.t('newsroomActions.editors.invited', { email }));
    } else {
      this.view.flash(
        req,
        this.locale.t('newsroomActions.editors.inviteNotSent', {
          email,
          url: this.invitations.inviteUrl(invitation.token),
        }),
        'error',
      );
    }
    res.redirect(303, '/admin/editors');
  }

  /** Changes one editor's role and extra grants (a checkbox per grantable permission the role may receive). */
  @Post(':id/role')
  async changeRole(
    @Param('id') id: string,
    @Req() req: Request,
    @Res() res: Response,
    @Body() body: RoleForm = {},
    @CurrentEditor() editor: SignedInEditor,
  ): Promise<void> {
    if (!isRole(body.role)) {
      return this.render(req, res, 400, { error: this.locale.t('roles.editors.pickRole') });
    }
    const asked = Array.isArray(body.grants) ? body.grants : body.grants === undefined ? [] : [body.grants];
    const grants = asked.filter((g): g is string => typeof g === 'string');
    try {
      const changed = await this.accounts.setRole(id, body.role, grants);
      if (!changed) {
        return this.render(req, res, 404, { error: this.locale.t('roles.editors.noEditor') });
      }
      await this.audit.record(editor, 'editor.role', changed.email, { role: changed.role, grants: changed.grants });
      this.view.flash(
        req,
        this.locale.t('roles.editors.roleChanged', {
          name: changed.name,
          role: this.locale.t(`roles.names.${changed.role}`),
        }),
      );
    } catch (err) {
      if (err instanceof LastOwnerError) {
        return this.render(req, res, 409, { error: this.locale.t('roles.editors.lastOwner') });
      }
      throw err;
    }
    res.redirect(303, '/admin/editors');
  }

  /** Revokes a machine token made with `npm run token:create`; it opens nothing from the next request on. */
  @Post('tokens/:id/revoke')
  @NewsroomAction('api-token.revoke', { redirect: '/admin/editors', refused: { show: 'screen' } })
  async revokeToken(@Param('id') id: string): Promise<ActionOutcome> {
    const revoked = await this.tokens.revoke(id);
    if (!revoked) {
      throw new NotFoundError('roles.tokens.noToken', { id });
    }
    return {
      subject: revoked.name,
      detail: { scopes: revoked.scopes },
      flash: this.locale.t('roles.tokens.revoked', { name: revoked.name }),
    };
  }

  /** The list; after a refused action, with the reason flashed and the refusal's status. */
  screen(req: Request, res: Response, status: number): Promise<void> {
    return this.render(req, res, status, {});
  }

  private async render(req: Request, res: Response, status: number, form: Record<string, unknown>): Promise<void> {
    const me = req.session?.editorId;
    const [rows, tokens] = await Promise.all([this.accounts.list(), this.tokens.list()]);
    const roleOptions = (selected: unknown) =>
      ROLES.map((r) => ({ value: r, label: this.locale.t(`roles.names.${r}`), selected: r === selected }));
    const editors = rows.map((e) => ({
      ...e,
      me: e.id === me,
      roleLabel: this.locale.t(`roles.names.${e.role}`),
      roles: roleOptions(e.role),
      grantable: (Object.keys(GRANTABLE) as Permission[]).map((p) => ({
        permission: p,
        label: this.locale.t(`roles.grants.${GRANT_LABEL_KEYS[p] ?? 'alertSend'}`),
        checked: e.grants.includes(p),
        applies: GRANTABLE[p]!.includes(e.role),
      })),
      invited: !e.passwordHash,
      inviteExpired: !e.passwordHash && (!e.inviteExpiresAt || e.inviteExpiresAt < new Date()),
    }));
    await this.view.page(
      req,
      res,
      'editors',
      {
        editors,
        tokens: tokens.map((t) => ({ ...t, scopesText: t.scopes.join(' ') })),
        inviteRoles: roleOptions(form.inviteRole ?? 'writer'),
        ...form,
      },
      { status },
    );
  }
}
