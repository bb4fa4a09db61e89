import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import type { Session, SessionData } from 'express-session';
import { Clock } from '../common/clock';
import { Locale } from '../common/locale';
import { AppConfig } from '../config/app-config';

/** How long a second step counts as recent for the loudest sends. */
export const STEP_UP_MAX_AGE_MS = 10 * 60_000;

/** Where an editor proves again that they are at the keyboard; `?next=` brings them back. */
export const STEP_UP_PATH = '/admin/step-up';

type EditorSession = Session & Partial<SessionData>;

/**
 * A loud send was asked for without a recent second step. `SignInRedirectFilter` (on every `@NewsroomPage()`)
 * answers it with a 303 to the step-up page (HX-Redirect for htmx), which comes back to `next` afterwards.
 */
export class StepUpRequired extends HttpException {
  constructor(
    readonly next: string,
    /** A machine-API route reached with a session: answered 403 JSON naming the step-up page, not a redirect. */
    readonly api = false,
    /** The Arabic reason, for that JSON answer. */
    readonly reason = '',
  ) {
    super('Confirm it is you first', HttpStatus.SEE_OTHER);
  }
}

export function stepUpUrl(next: string): string {
  return `${STEP_UP_PATH}?next=${encodeURIComponent(next)}`;
}

/**
 * Step-up for the loudest buttons (issue 22): a send now or breaking alert to more than SEND_CONFIRM_THRESHOLD
 * readers needs the session's last second step (`session.secondStepAt`) to be under 10 minutes old.
 *
 * The step-up page (src/newsroom/step-up.controller.ts) proves the editor again (an authenticator or recovery
 * code, a passkey, or for an editor without a second factor the password) and calls `markVerified`. A sign-in
 * that completed its second step, and setting up a factor on the Account screen, set `secondStepAt` too
 * (EditorSessions).
 */
@Injectable()
export class StepUp {
  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly locale: Locale,
  ) {}

  /** True when a send to this many readers needs a recent second step. */
  isLoud(audience: number): boolean {
    return audience > this.config.newsroom.sendConfirmThreshold;
  }

  isRecent(session: EditorSession | undefined): boolean {
    const at = session?.secondStepAt;
    return typeof at === 'number' && this.clock.now().getTime() - at < STEP_UP_MAX_AGE_MS;
  }

  /**
   * Call at the top of a loud action (and on its confirmation page). Returns null when the send is not loud,
   * else the time of the second step that allows it (for the audit log); throws StepUpRequired(returnTo) when
   * that step is missing or older than 10 minutes, before anything is changed.
   */
  requireRecent(
    session: EditorSession | undefined,
    options: { audience: number; returnTo: string; api?: boolean },
  ): { secondStepAt: string } | null {
    if (!this.isLoud(options.audience)) {
      return null;
    }
    if (!this.isRecent(session)) {
      throw new StepUpRequired(options.returnTo, options.api, this.locale.t('roles.stepUp.needed'));
    }
    return { secondStepAt: new Date(session!.secondStepAt!).toISOString() };
  }

  /** Records that this session's editor just proved themselves again (password, TOTP or passkey). */
  markVerified(session: EditorSession): void {
    session.secondStepAt = this.clock.now().getTime();
  }
}
