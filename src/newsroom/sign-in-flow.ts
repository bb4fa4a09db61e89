import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AuditLog } from '../auth/audit-log';
import { EditorDevices } from '../auth/editor-devices';
import { EditorSessions } from '../auth/editor-sessions';
import { SecondStep } from '../auth/second-step';
import { SignedInEditor } from '../auth/signed-in-editor';
import { NewDeviceNotice } from './new-device-notice';

export type SignInMethod = 'password' | 'passkey' | 'oidc';

/** How a finished sign-in answers: a 303 for forms, `{ redirect }` for the passkey script's fetch. */
export type Reply = 'redirect' | 'json';

/**
 * The steps of signing in, whatever the first one was (password, single sign-on, passkey):
 * 1. the first step passes → `afterFirstStep`: an editor with a second factor is sent to give it; one without,
 *    while the newsroom requires a second step of a role that can send to readers, is sent to set one up;
 *    anyone else is signed in;
 * 2. `complete`: a fresh session with `editorId` and, when a second step was given, `secondStepAt` (ms);
 *    the audit log gets `editor.sign-in`, and a browser new to the editor gets `editor.new-device` and, when
 *    the editor had signed in from another browser before, an email.
 */
@Injectable()
export class SignInFlow {
  constructor(
    private readonly sessions: EditorSessions,
    private readonly secondStep: SecondStep,
    private readonly devices: EditorDevices,
    private readonly audit: AuditLog,
    private readonly notice: NewDeviceNotice,
  ) {}

  async afterFirstStep(
    req: Request,
    res: Response,
    editor: SignedInEditor,
    next: string,
    method: SignInMethod,
  ): Promise<void> {
    if (await this.secondStep.hasAny(editor.id)) {
      await this.sessions.beginPending(req, {
        editorId: editor.id,
        at: Date.now(),
        next,
        method,
        reason: 'second-step',
      });
      return res.redirect(303, '/admin/login/second-step');
    }
    if (await this.secondStep.isRequiredFor(editor)) {
      await this.sessions.beginPending(req, { editorId: editor.id, at: Date.now(), next, method, reason: 'setup' });
      return res.redirect(303, '/admin/login/setup');
    }
    await this.complete(req, res, editor, { next, method });
  }

  async complete(
    req: Request,
    res: Response,
    editor: SignedInEditor,
    how: { next: string; method: SignInMethod; secondStep?: string; reply?: Reply; recoveryCodes?: string[] },
  ): Promise<void> {
    await this.sessions.signIn(req, editor, how.secondStep ? Date.now() : undefined);
    let next = how.next;
    if (how.recoveryCodes) {
      req.session.freshRecoveryCodes = how.recoveryCodes;
      next = `/admin/account/recovery-codes?next=${encodeURIComponent(how.next)}`;
    }
    await this.audit.record(editor, 'editor.sign-in', undefined, {
      method: how.method,
      secondStep: how.secondStep ?? null,
    });
    const userAgent = (req.headers['user-agent'] ?? '').slice(0, 300);
    const address = req.ip ?? 'unknown';
    const device = await this.devices.signedInFrom(editor.id, req, res);
    if (device.isNew) {
      await this.audit.record(editor, 'editor.new-device', undefined, { userAgent, address });
      if (device.hadOthers) {
        await this.notice.send(editor, { userAgent, address, at: new Date() });
      }
    }
    if (how.reply === 'json') {
      res.status(200).json({ redirect: next });
      return;
    }
    res.redirect(303, next);
  }
}
