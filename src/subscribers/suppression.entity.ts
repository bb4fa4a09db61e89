import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * Addresses that must never be mailed again (erased readers). Only the sha256 of the address's key is kept,
 * so the list can answer "is this address suppressed?" without holding the address itself.
 */
@Entity('suppressions')
export class Suppression {
  @PrimaryColumn('text', { name: 'email_hash' })
  emailHash: string;

  @Column('text')
  reason: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
