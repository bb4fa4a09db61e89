import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A reader followed link `linkIndex` of their delivery; recorded once (the first time). No IP, no user agent. */
@Entity('clicks')
@Index('ix_clicks_edition', ['editionId', 'linkIndex', 'deliveryId'])
@Index('ix_clicks_clicked_at', ['clickedAt'])
export class Click {
  @PrimaryColumn('bigint', { name: 'delivery_id' })
  deliveryId: string;

  @PrimaryColumn('smallint', { name: 'link_index' })
  linkIndex: number;

  @Column('bigint', { name: 'edition_id' })
  editionId: string;

  @Column('bigint', { name: 'subscriber_id' })
  subscriberId: string;

  @Column('timestamptz', { name: 'clicked_at' })
  clickedAt: Date;
}
