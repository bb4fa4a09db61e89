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
     * When this session last proved its editor is present with a second step (epoch ms): a re-entered password
     * on /admin/step-up, or (branch `signin`) a TOTP code or passkey. `StepUp` reads it before the loudest sends.
     */
    secondStepAt?: number;
  }
}
