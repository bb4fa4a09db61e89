import type { ClaimedDelivery, DeliveryRepository } from './delivery.repository';

/** How often a claim walks from the front even when rows lie ahead, for what lies behind the cursor. */
export const FRONT_WALK_MS = 5000;

/**
 * Where this process's claims resume in each sending edition: a keyset walk. A claim walks an edition's
 * unfinished rows in id order from just after the last row this process claimed of it, so it never steps over
 * the index entries that rows already sent leave behind until vacuum clears them (a walk from the front reads
 * every one of them: 9 ms to find 200 rows behind 90,000 sent ones, against 3 ms from the cursor; see
 * bench/RESULTS.md).
 *
 * Rows behind the cursor are never lost: a retry that has come due, the rows of a worker that died (its holder
 * lock is free) or whose lease lapsed, rows another worker held when this one passed. Whenever the walk ahead
 * comes up short of `limit`, the same claim walks once more from the front for the rest; and every
 * FRONT_WALK_MS one claim walks from the front instead, so a dead worker's rows go out within seconds even while
 * the edition has plenty left ahead (one slower claim every few seconds: a few milliseconds).
 */
export class ClaimCursor {
  private readonly after = new Map<string, string>();
  private lastFrontWalk = Date.now();

  constructor(
    private readonly ledger: DeliveryRepository,
    private readonly leaseSeconds: number,
  ) {}

  async claim(editionIds: string[], limit: number, holder: number): Promise<ClaimedDelivery[]> {
    this.forgetAllBut(editionIds);
    const front = Date.now() - this.lastFrontWalk >= FRONT_WALK_MS;
    if (front) {
      this.lastFrontWalk = Date.now();
    }
    const from = editionIds.map((id) => (front ? undefined : this.after.get(id)) ?? '0');
    const ahead = await this.ledger.claim(editionIds, limit, this.leaseSeconds, from, holder);
    const short = ahead.length < limit && from.some((id) => id !== '0');
    const behind = short
      ? await this.ledger.claim(
          editionIds,
          limit - ahead.length,
          this.leaseSeconds,
          editionIds.map(() => '0'),
          holder,
        )
      : [];
    const claimed = ahead.concat(behind);
    for (const row of claimed) {
      const at = this.after.get(row.edition_id);
      if (at === undefined || BigInt(row.id) > BigInt(at)) {
        this.after.set(row.edition_id, row.id);
      }
    }
    return claimed;
  }

  /** Editions no longer sending (finished, paused, cancelled) start from the front if they come back. */
  private forgetAllBut(editionIds: string[]): void {
    for (const id of this.after.keys()) {
      if (!editionIds.includes(id)) {
        this.after.delete(id);
      }
    }
  }
}
