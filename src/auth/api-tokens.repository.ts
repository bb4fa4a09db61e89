import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface ApiTokenRow {
  id: string;
  name: string;
  scopes: string[];
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const COLUMNS = `id, name, scopes, created_at AS "createdAt", last_used_at AS "lastUsedAt", revoked_at AS "revokedAt"`;

/** SQL for `api_tokens`: scoped machine tokens, stored as SHA-256 hashes. */
@Injectable()
export class ApiTokensRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts a token; undefined when a live token already has this name. */
  async insert(name: string, tokenHash: string, scopes: string[]): Promise<ApiTokenRow | undefined> {
    const rows = (await this.dataSource.query(
      `INSERT INTO api_tokens (name, token_hash, scopes) VALUES ($1, $2, $3)
       ON CONFLICT (name) WHERE revoked_at IS NULL DO NOTHING RETURNING ${COLUMNS}`,
      [name, tokenHash, scopes],
    )) as ApiTokenRow[];
    return rows[0];
  }

  /** The live token with this hash, marking it used (at most once a minute, to spare writes). */
  async use(tokenHash: string): Promise<ApiTokenRow | undefined> {
    const rows = (await this.dataSource.query(
      `SELECT ${COLUMNS} FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL`,
      [tokenHash],
    )) as ApiTokenRow[];
    const row = rows[0];
    if (row && (!row.lastUsedAt || Date.now() - new Date(row.lastUsedAt).getTime() > 60_000)) {
      await this.dataSource.query(`UPDATE api_tokens SET last_used_at = now() WHERE id = $1`, [row.id]);
    }
    return row;
  }

  async list(): Promise<ApiTokenRow[]> {
    return (await this.dataSource.query(
      `SELECT ${COLUMNS} FROM api_tokens ORDER BY revoked_at IS NOT NULL, created_at DESC`,
    )) as ApiTokenRow[];
  }

  /** Revokes a live token; undefined when the id is unknown or already revoked. */
  async revoke(id: string): Promise<ApiTokenRow | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) {
      return undefined;
    }
    const rows = (await this.dataSource.query(
      `UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING ${COLUMNS}`,
      [id],
    )) as [ApiTokenRow[], number];
    return rows[0][0];
  }
}
