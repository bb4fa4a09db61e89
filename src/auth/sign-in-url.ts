export const SIGN_IN_PATH = '/admin/login';

/** `/admin/login?next=<path>`; `next` is kept only when it is a path inside the newsroom. */
export function signInUrl(next?: string): string {
  return next && isNewsroomPath(next) && !next.startsWith(SIGN_IN_PATH)
    ? `${SIGN_IN_PATH}?next=${encodeURIComponent(next)}`
    : SIGN_IN_PATH;
}

/** Same-site paths under /admin only (no `//host`, no backslashes or spaces): safe targets after sign-in. */
export function isNewsroomPath(path: string): boolean {
  return /^\/admin(\/|\?|$)/.test(path) && !/[\\\s]/.test(path);
}
