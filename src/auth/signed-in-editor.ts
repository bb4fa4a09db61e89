/** The editor behind a request: set by the guards, read with `@CurrentEditor()`. */
export interface SignedInEditor {
  id: string;
  email: string;
  name: string;
}

declare module 'express-session' {
  interface SessionData {
    /** Set once the editor has signed in (the session id is regenerated at that moment). */
    editorId?: string;
    /** Messages shown once on the next newsroom page. */
    flash?: { text: string; tone: string }[];
    /** Marks an anonymous session opened by the sign-in form, so its CSRF token has a stable identifier. */
    signInFormAt?: number;
  }
}
