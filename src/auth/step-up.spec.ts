import type { Session, SessionData } from 'express-session';
import { FakeClock } from '../../test/helpers/fake-clock';
import type { Locale } from '../common/locale';
import type { AppConfig } from '../config/app-config';
import { StepUp, StepUpRequired } from './step-up';

describe('StepUp', () => {
  const clock = new FakeClock();
  const locale = { t: (key: string) => key } as unknown as Locale;
  const stepUp = new StepUp({ newsroom: { sendConfirmThreshold: 1000 } } as unknown as AppConfig, clock, locale);
  const session = () => ({}) as Session & Partial<SessionData>;

  it('lets a send to the threshold or fewer readers through without asking', () => {
    expect(stepUp.requireRecent(session(), { audience: 1000, returnTo: '/admin/next' })).toBeNull();
  });

  it('asks before a send to more readers until the session has a second step under ten minutes old', () => {
    const s = session();
    expect(() => stepUp.requireRecent(s, { audience: 1001, returnTo: '/admin/next/confirm' })).toThrow(StepUpRequired);
    stepUp.markVerified(s);
    expect(stepUp.requireRecent(s, { audience: 1001, returnTo: '/admin/next/confirm' })).toEqual({
      secondStepAt: clock.now().toISOString(),
    });
    clock.advance(10 * 60_000 - 1);
    expect(stepUp.isRecent(s)).toBe(true);
    clock.advance(1);
    expect(stepUp.isRecent(s)).toBe(false);
    try {
      stepUp.requireRecent(s, { audience: 5000, returnTo: '/admin/breaking/confirm?articleId=7' });
      throw new Error('expected StepUpRequired');
    } catch (err) {
      expect(err).toBeInstanceOf(StepUpRequired);
      expect((err as StepUpRequired).next).toBe('/admin/breaking/confirm?articleId=7');
    }
  });
});
