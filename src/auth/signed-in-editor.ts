import type { Role } from './permissions';

/** The editor behind a request: set by the guards, read with `@CurrentEditor()`. */
export interface SignedInEditor {
  id: string;
  email: string;
  name: string;
  /** One of the five roles of src/auth/permissions.ts. */
  role: Role;
  /** Extra permissions an owner gave this editor beyond the role (`alert.send` for an editor). */
  grants: string[];
}

declare module 'express-session' {
  interface SessionData {
    /** Set once the editor has signed in (the session id is regenerated at that moment). */
    editorId?: string;
    /** Messages shown once on the next newsroom page. */
    flash?: { text: string; tone: string }[];
    /** Marks an anonymous session opened by the sign-in form, so its CSRF token has a stable identifier. */
    signInFormAt?: number;
    /**
     * When (ms since the epoch) this session last passed a second step: an authenticator code, a recovery code
     * or a passkey, at sign-in or when asked again on the step-up page (/admin/step-up); for an editor without a
     * second factor, the password re-entered there. Unset when the editor signed in with a password alone.
     * `StepUp` reads it before the loudest sends.
     */
    secondStepAt?: number;
    /**
     * A sign-in halfway: the password (or single sign-on) was right, and the editor must now give the second
     * step ('second-step') or set one up because the newsroom requires it ('setup'). Not signed in yet.
     */
    pendingSignIn?: { editorId: string; at: number; next: string; method: string; reason: 'second-step' | 'setup' };
    /** Recovery codes just made, shown once on /admin/account/recovery-codes and then forgotten. */
    freshRecoveryCodes?: string[];
    /** The WebAuthn challenge this session was given, and for what. */
    webauthnChallenge?: { challenge: string; purpose: 'register' | 'sign-in' | 'step-up'; at: number };
    /** Single sign-on in progress: the checks openid-client verifies on the way back. */
    oidc?: { state: string; nonce: string; codeVerifier: string; next: string; at: number };
  }
}
