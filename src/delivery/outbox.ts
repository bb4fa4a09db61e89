import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { NotFoundError } from '../common/domain-errors';
import { simpleParser } from 'mailparser';
import type { AddressObject } from 'mailparser';
import { AppConfig } from '../config/app-config';

export interface OutboxEntry {
  name: string;
  size: number;
  savedAt: Date;
  subject: string | null;
  to: string | null;
}

export interface OutboxMessage {
  raw: Buffer;
  html: string | null;
  text: string | null;
  subject: string | null;
  from: string | null;
  to: string | null;
  date: Date | null;
}

// Written by MailTransport: ISO time, then a sanitised Message-ID. Anything else (../, /) is not ours.
const OUTBOX_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.eml$/;
// Enough of a message to read its headers without loading a 70 KiB body per row.
const HEADER_BYTES = 16 * 1024;

/**
 * The outbox folder (used when SMTP_URL is unset) as editors browse it: newest messages first, each with
 * its decoded subject and recipient, and any one message as HTML, text or the raw .eml.
 */
@Injectable()
export class Outbox {
  constructor(private readonly config: AppConfig) {}

  get inUse(): boolean {
    return !this.config.mail.smtpUrl;
  }

  async list(limit: number): Promise<OutboxEntry[]> {
    const names = await readdir(this.config.outboxDir).catch(() => [] as string[]);
    // Names start with the ISO time they were written, so a reverse sort is newest first.
    const newest = names
      .filter((n) => OUTBOX_NAME.test(n))
      .sort()
      .reverse()
      .slice(0, limit);
    return Promise.all(newest.map((name) => this.entry(name)));
  }

  async read(name: string): Promise<OutboxMessage> {
    const raw = await readFile(this.path(name)).catch(() => {
      throw new NotFoundError(`No message ${name} in the outbox`);
    });
    const parsed = await simpleParser(raw);
    return {
      raw,
      html: parsed.html || null,
      text: parsed.text ?? null,
      subject: parsed.subject ?? null,
      from: parsed.from?.text ?? null,
      to: addressText(parsed.to),
      date: parsed.date ?? null,
    };
  }

  private async entry(name: string): Promise<OutboxEntry> {
    const path = this.path(name);
    const [info, head] = await Promise.all([stat(path), readHead(path)]);
    const parsed = await simpleParser(head, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
    return {
      name,
      size: info.size,
      savedAt: info.mtime,
      subject: parsed.subject ?? null,
      to: addressText(parsed.to),
    };
  }

  private path(name: string): string {
    if (!OUTBOX_NAME.test(name)) {
      throw new NotFoundError(`No message ${name} in the outbox`);
    }
    return join(this.config.outboxDir, name);
  }
}

function addressText(to: AddressObject | AddressObject[] | undefined): string | null {
  return to
    ? [to]
        .flat()
        .map((a) => a.text)
        .join(', ')
    : null;
}

async function readHead(path: string): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await file.read(buffer, 0, HEADER_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}
