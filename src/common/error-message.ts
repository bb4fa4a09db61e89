/** The message of anything thrown (an Error or not), for logs and status reasons. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
