import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export const SIGN_IN_WINDOW_MINUTES = 15;
export const MAX_FAILURES_PER_ACCOUNT = 5;
export const MAX_FAILURES_PER_ADDRESS = 20;

/**
 * Failed sign-ins counted in PostgreSQL (not in memory) so the limit holds across processes and restarts:
 * 5 failures per account and 20 per client address within 15 minutes lock further attempts until the oldest
 * failure leaves the window. A successful sign-in clears the account's failures.
 */
@Injectable()
export class SignInThrottle {
  constructor(private readonly dataSource: DataSource) {}

  async isLocked(email: string, address: string): Promise<boolean> {
    const [row] = (await this.dataSource.query(
      `SELECT count(*) FILTER (WHERE email = $1)::int AS account, count(*) FILTER (WHERE address = $2)::int AS address
       FROM sign_in_failures
       WHERE (email = $1 OR address = $2) AND at > now() - make_interval(mins => $3)`,
      [email, address, SIGN_IN_WINDOW_MINUTES],
    )) as { account: number; address: number }[];
    return row.account >= MAX_FAILURES_PER_ACCOUNT || row.address >= MAX_FAILURES_PER_ADDRESS;
  }

  async recordFailure(email: string, address: string): Promise<void> {
    await this.dataSource.query(`INSERT INTO sign_in_failures (email, address) VALUES ($1, $2)`, [email, address]);
    // Old rows serve no purpose; trim them now and then rather than with a separate job.
    if (Math.random() < 0.05) {
      await this.dataSource.query(`DELETE FROM sign_in_failures WHERE at < now() - make_interval(mins => $1)`, [
        SIGN_IN_WINDOW_MINUTES,
      ]);
    }
  }

  async clearAccount(email: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM sign_in_failures WHERE email = $1`, [email]);
  }
}
