import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SignedInEditor } from './signed-in-editor';

export interface AuditEntry {
  id: string;
  at: Date;
  /** The editor's name at the time of reading, or 'api-token' for the machine API. */
  actor: string;
  editorId: string | null;
  action: string;
  subject: string | null;
  detail: Record<string, unknown> | null;
}

/** Who did what and when: every editor action (send, pause, erase, import, settings…) is recorded here. */
@Injectable()
export class AuditLog {
  constructor(private readonly dataSource: DataSource) {}

  async record(
    actor: SignedInEditor | 'api-token',
    action: string,
    subject?: string,
    detail?: Record<string, unknown>,
  ): Promise<void> {
    const editorId = actor === 'api-token' ? null : actor.id;
    const label = actor === 'api-token' ? 'api-token' : actor.email;
    await this.dataSource.query(
      `INSERT INTO audit_log (editor_id, actor, action, subject, detail) VALUES ($1, $2, $3, $4, $5)`,
      [editorId, label, action, subject ?? null, detail ? JSON.stringify(detail) : null],
    );
  }

  async recent(limit = 20): Promise<AuditEntry[]> {
    return (await this.dataSource.query(
      `SELECT a.id, a.at, coalesce(e.name, a.actor) AS actor, a.editor_id AS "editorId", a.action, a.subject, a.detail
       FROM audit_log a LEFT JOIN editors e ON e.id = a.editor_id
       ORDER BY a.at DESC, a.id DESC LIMIT $1`,
      [limit],
    )) as AuditEntry[];
  }
}
