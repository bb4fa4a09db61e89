import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Newsroom-wide sign-in rules, one row in `newsroom_settings` (made by its migration). */
@Injectable()
export class SignInSettings {
  constructor(private readonly dataSource: DataSource) {}

  async requireSecondStep(): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `SELECT require_second_step AS "required" FROM newsroom_settings WHERE id = 1`,
    )) as { required: boolean }[];
    return rows[0]?.required ?? false;
  }

  async setRequireSecondStep(required: boolean, by: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO newsroom_settings (id, require_second_step, updated_at, updated_by) VALUES (1, $1, now(), $2)
       ON CONFLICT (id) DO UPDATE SET require_second_step = $1, updated_at = now(), updated_by = $2`,
      [required, by],
    );
  }
}
