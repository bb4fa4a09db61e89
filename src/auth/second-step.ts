import { Injectable } from '@nestjs/common';
import { Passkeys } from './passkeys';
import { canSendToReaders, PermissionHolder } from './permissions';
import { RecoveryCodes } from './recovery-codes';
import { SignInSettings } from './sign-in-settings';
import { TotpFactor } from './totp-factor';

export interface SecondFactors {
  totp: boolean;
  passkeys: number;
  recoveryCodes: number;
}

/**
 * What an editor's second step is and how it is checked: an authenticator-app code, a recovery code or a
 * passkey. Used by the sign-in flow and by whatever asks for the second step again (a step-up before a
 * loud send), which then sets `session.secondStepAt`.
 */
@Injectable()
export class SecondStep {
  constructor(
    readonly totp: TotpFactor,
    readonly recovery: RecoveryCodes,
    readonly passkeys: Passkeys,
    readonly settings: SignInSettings,
  ) {}

  async factorsOf(editorId: string): Promise<SecondFactors> {
    const [totp, passkeys, recoveryCodes] = await Promise.all([
      this.totp.isEnabled(editorId),
      this.passkeys.count(editorId),
      this.recovery.remaining(editorId),
    ]);
    return { totp, passkeys, recoveryCodes };
  }

  /**
   * Whether this editor must have a second step: the newsroom requires one (Settings → sign-in) and the
   * editor's role or grants can send to readers (`edition.send`, `alert.send`). Others may still set one up.
   */
  async isRequiredFor(editor: PermissionHolder): Promise<boolean> {
    return canSendToReaders(editor) && (await this.settings.requireSecondStep());
  }

  async hasAny(editorId: string): Promise<boolean> {
    const factors = await this.factorsOf(editorId);
    return factors.totp || factors.passkeys > 0;
  }

  /**
   * Checks a typed code: six digits against the authenticator app, anything shaped like a recovery code
   * against the unused recovery codes. Says which one worked, or undefined.
   */
  async verifyCode(editorId: string, code: string): Promise<'totp' | 'recovery-code' | undefined> {
    const input = code.trim().slice(0, 64);
    if (/^\d{3}\s?\d{3}$/.test(input)) {
      return (await this.totp.verify(editorId, input)) ? 'totp' : undefined;
    }
    if (RecoveryCodes.looksLikeOne(input)) {
      return (await this.recovery.use(editorId, input)) ? 'recovery-code' : undefined;
    }
    return undefined;
  }
}
