import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The open pixel of one delivery was fetched. A machine fetch (mail privacy proxies, image prefetch within
 * seconds of sending) and the reader's own open are kept apart: only `openedAt` counts as a reader open.
 */
@Entity('opens')
@Index('ix_opens_edition', ['editionId'])
export class Open {
  @PrimaryColumn('bigint', { name: 'delivery_id' })
  deliveryId: string;

  @Column('bigint', { name: 'edition_id' })
  editionId: string;

  @Column('bigint', { name: 'subscriber_id' })
  subscriberId: string;

  /** First open that looked like the reader's. */
  @Column('timestamptz', { name: 'opened_at', nullable: true })
  openedAt: Date | null;

  /** First fetch by a machine (proxy user agent, or within seconds of sending). */
  @Column('timestamptz', { name: 'machine_opened_at', nullable: true })
  machineOpenedAt: Date | null;
}
