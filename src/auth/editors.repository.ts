import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Role } from './permissions';
import { SignedInEditor } from './signed-in-editor';

export interface EditorRow extends SignedInEditor {
  passwordHash: string | null;
  inviteExpiresAt: Date | null;
  invitedBy: string | null;
  invitedByName: string | null;
  createdAt: Date;
  lastSignInAt: Date | null;
}

const COLUMNS = `e.id, e.email, e.name, e.role, e.grants, e.password_hash AS "passwordHash", e.invite_expires_at AS "inviteExpiresAt",
  e.invited_by AS "invitedBy", i.name AS "invitedByName", e.created_at AS "createdAt",
  e.last_sign_in_at AS "lastSignInAt"`;
const FROM = `editors e LEFT JOIN editors i ON i.id = e.invited_by`;
const RETURNED = `id, email, name, role, grants`;

/** SQL for the editors table. Emails are stored lower-cased (a CHECK constraint holds it). */
@Injectable()
export class EditorsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async count(): Promise<number> {
    const [row] = (await this.dataSource.query(`SELECT count(*)::int AS n FROM editors`)) as { n: number }[];
    return row.n;
  }

  async findById(id: string): Promise<EditorRow | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) {
      return undefined;
    }
    const rows = (await this.dataSource.query(`SELECT ${COLUMNS} FROM ${FROM} WHERE e.id = $1`, [id])) as EditorRow[];
    return rows[0];
  }

  async findByEmail(email: string): Promise<EditorRow | undefined> {
    const rows = (await this.dataSource.query(`SELECT ${COLUMNS} FROM ${FROM} WHERE e.email = $1`, [
      email.trim().toLowerCase(),
    ])) as EditorRow[];
    return rows[0];
  }

  async findByInviteToken(tokenHash: string): Promise<EditorRow | undefined> {
    const rows = (await this.dataSource.query(
      `SELECT ${COLUMNS} FROM ${FROM} WHERE e.invite_token_hash = $1 AND e.invite_expires_at > now()`,
      [tokenHash],
    )) as EditorRow[];
    return rows[0];
  }

  async list(): Promise<EditorRow[]> {
    return (await this.dataSource.query(
      `SELECT ${COLUMNS} FROM ${FROM} ORDER BY e.created_at, e.email`,
    )) as EditorRow[];
  }

  /** Inserts an editor; returns undefined when the email is taken (no exception to catch). */
  async insert(editor: {
    email: string;
    name: string;
    passwordHash: string | null;
    role: Role;
    inviteTokenHash?: string;
    inviteExpiresAt?: Date;
    invitedBy?: string;
  }): Promise<SignedInEditor | undefined> {
    const rows = (await this.dataSource.query(
      `INSERT INTO editors (email, name, password_hash, invite_token_hash, invite_expires_at, invited_by, role)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (email) DO NOTHING RETURNING ${RETURNED}`,
      [
        editor.email,
        editor.name,
        editor.passwordHash,
        editor.inviteTokenHash ?? null,
        editor.inviteExpiresAt ?? null,
        editor.invitedBy ?? null,
        editor.role,
      ],
    )) as SignedInEditor[];
    return rows[0];
  }

  async setPassword(id: string, passwordHash: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE editors SET password_hash = $2, invite_token_hash = NULL, invite_expires_at = NULL WHERE id = $1`,
      [id, passwordHash],
    );
  }

  /** Uses an invitation once: only the first caller with a live token gets the row back. */
  async acceptInvite(tokenHash: string, passwordHash: string): Promise<SignedInEditor | undefined> {
    const rows = (await this.dataSource.query(
      `UPDATE editors SET password_hash = $2, invite_token_hash = NULL, invite_expires_at = NULL
       WHERE invite_token_hash = $1 AND invite_expires_at > now() RETURNING ${RETURNED}`,
      [tokenHash, passwordHash],
    )) as [SignedInEditor[], number];
    return rows[0][0];
  }

  /**
   * Changes an editor's role and grants, unless that would leave the newsroom without an owner with a password
   * (role changes take one transaction-scoped lock, so two owners demoting each other cannot both win).
   * Returns the editor as changed, or undefined when the id is unknown or the last owner would be lost.
   */
  async setRole(id: string, role: Role, grants: string[]): Promise<SignedInEditor | undefined> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('nashra editors.role'))`);
      const rows = (await manager.query(
        `UPDATE editors SET role = $2, grants = $3
         WHERE id = $1 AND ($2 = 'owner' OR EXISTS (
           SELECT 1 FROM editors o WHERE o.role = 'owner' AND o.id <> $1 AND o.password_hash IS NOT NULL))
         RETURNING ${RETURNED}`,
        [id, role, grants],
      )) as [SignedInEditor[], number];
      return rows[0][0];
    });
  }

  async renewInvite(id: string, tokenHash: string, expiresAt: Date, role: Role): Promise<void> {
    await this.dataSource.query(
      `UPDATE editors SET invite_token_hash = $2, invite_expires_at = $3, role = $4, grants = '{}'
       WHERE id = $1 AND password_hash IS NULL`,
      [id, tokenHash, expiresAt, role],
    );
  }

  async touchSignIn(id: string): Promise<void> {
    await this.dataSource.query(`UPDATE editors SET last_sign_in_at = now() WHERE id = $1`, [id]);
  }
}
