import type { AuditEntry } from '../auth/audit-log';

/** Looks up a newsroom string; `has` says whether the locale file knows a key (internal keys may be new). */
export interface LabelSource {
  t(key: string, vars?: Record<string, unknown>): string;
  has(key: string): boolean;
}

// `edition:2`, `edition #2`, `plan:daily`, `subscriber:5`, `topic:<key>`, or a bare word such as `digest-settings`.
const SUBJECT = /^([a-z-]+)(?::| #| )(\S+)$/;

/** The kind of an edition from its key (`daily:2026-11-24`, `weekly:2026-W48`, `breaking/17`). */
export function editionKind(key: string): 'daily' | 'weekly' | 'breaking' | null {
  const kind = /^(daily|weekly|breaking)\b/.exec(key)?.[1];
  return (kind as 'daily' | 'weekly' | 'breaking' | undefined) ?? null;
}

/**
 * An audit entry in the newsroom's words (`newsroom.labels.audit`, `auditSubject`). The log keeps its
 * stable English keys (they are what a script greps); the screen names them in Arabic, and an action this
 * version does not know yet shows as `newsroom.labels.unknown` with its key beside it for whoever debugs.
 */
export function auditRow(entry: AuditEntry, labels: LabelSource) {
  const actionKey = `newsroom.labels.audit.${entry.action}`;
  const known = labels.has(actionKey);
  return {
    ...entry,
    actor: entry.actor === 'api-token' ? labels.t('newsroom.labels.apiToken') : entry.actor,
    actionLabel: known ? labels.t(actionKey) : labels.t('newsroom.labels.unknown'),
    actionKey: known ? null : entry.action,
    subjectLabel: subjectLabel(entry.subject, labels),
  };
}

function subjectLabel(subject: string | null, labels: LabelSource): string | null {
  if (!subject) {
    return null;
  }
  if (labels.has(`newsroom.labels.auditSubject.${subject}`)) {
    return labels.t(`newsroom.labels.auditSubject.${subject}`);
  }
  const match = SUBJECT.exec(subject);
  if (!match) {
    return subject; // an address or a URL: shown as it is, isolated by the template
  }
  const [, kind, id] = match;
  if (kind === 'plan' && labels.has(`newsroom.labels.frequency.${id}`)) {
    return labels.t(`newsroom.labels.frequency.${id}`);
  }
  return labels.has(`newsroom.labels.auditSubject.${kind}`)
    ? labels.t(`newsroom.labels.auditSubject.${kind}`, { id })
    : subject;
}

/** A delivery's status in Arabic (`newsroom.labels.delivery`), the key itself when unknown. */
export function deliveryStatusLabel(status: string, labels: LabelSource): string {
  const key = `newsroom.labels.delivery.${status}`;
  return labels.has(key) ? labels.t(key) : status;
}

/** The daily, weekly or breaking label (`newsroom.labels.frequency`) for an edition's key. */
export function editionKindLabel(key: string, labels: LabelSource): string {
  const kind = editionKind(key);
  return kind ? labels.t(`newsroom.labels.frequency.${kind}`) : key;
}
