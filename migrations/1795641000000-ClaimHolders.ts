import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who holds a claimed row: each worker process takes a number from `worker_holder_ids`, holds a session-level
 * advisory lock on it for its whole life (WorkerIdentity) and stamps its claims with it (`claimed_by`). A
 * `sending` row whose holder's lock is free belongs to a process that is gone, and is claimable at once instead
 * of after its lease. Nullable columns without a default: adding them rewrites nothing. Rows claimed before
 * this migration (no holder) keep the lease as their only way back.
 */
export class ClaimHolders1795641000000 implements MigrationInterface {
  name = 'ClaimHolders1795641000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // An int4, because the two-key advisory lock takes int4 keys; cycling is safe: a number comes back only
    // after two billion process starts, long after its first holder released it.
    await queryRunner.query(`CREATE SEQUENCE "worker_holder_ids" AS integer MINVALUE 1 CYCLE`);
    await queryRunner.query(`ALTER TABLE "deliveries" ADD "claimed_by" integer`);
    await queryRunner.query(`ALTER TABLE "transactional_messages" ADD "claimed_by" integer`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "transactional_messages" DROP COLUMN "claimed_by"`);
    await queryRunner.query(`ALTER TABLE "deliveries" DROP COLUMN "claimed_by"`);
    await queryRunner.query(`DROP SEQUENCE "worker_holder_ids"`);
  }
}
