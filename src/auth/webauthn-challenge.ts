import type { Request, Response } from 'express';

/** How long a passkey ceremony's challenge may be answered. */
export const CHALLENGE_TTL_MS = 5 * 60_000;

export type ChallengePurpose = 'register' | 'sign-in' | 'step-up';

/**
 * Answers a passkey ceremony's options (200, JSON) after keeping their challenge in the session, with what it
 * is for and when it was made: only that purpose may use it, once, within CHALLENGE_TTL_MS.
 */
export function sendChallenge(
  req: Request,
  res: Response,
  options: { challenge: string },
  purpose: ChallengePurpose,
): void {
  req.session.webauthnChallenge = { challenge: options.challenge, purpose, at: Date.now() };
  res.status(200).json(options);
}

/** The session's challenge if it was made for `purpose` and is fresh; removed either way (one try per challenge). */
export function takeChallenge(req: Request, purpose: ChallengePurpose): string | undefined {
  const held = req.session?.webauthnChallenge;
  if (req.session) {
    delete req.session.webauthnChallenge;
  }
  return held && held.purpose === purpose && Date.now() - held.at < CHALLENGE_TTL_MS ? held.challenge : undefined;
}
