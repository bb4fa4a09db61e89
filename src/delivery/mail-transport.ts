import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import { AppConfig } from '../config/app-config';

export interface OutgoingMail {
  to: string;
  subject: string;
  html: string;
  text: string;
  headers?: Record<string, string>;
}

export interface SentMail {
  messageId: string;
  response: string;
}

/**
 * The one way out for email. With SMTP_URL: a pooled nodemailer SMTP transport. Without it: every message
 * is written to the outbox folder as an .eml file, so a newcomer can see what would have been sent.
 */
@Injectable()
export class MailTransport implements OnApplicationShutdown {
  private readonly logger = new Logger(MailTransport.name);
  private readonly transporter: Transporter;
  readonly usesOutbox: boolean;

  constructor(private readonly config: AppConfig) {
    this.usesOutbox = !config.env.SMTP_URL;
    this.transporter = this.usesOutbox
      ? nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' })
      : nodemailer.createTransport(config.env.SMTP_URL + '', {
          pool: true,
          maxConnections: config.env.SMTP_POOL_SIZE,
        } as object);
  }

  /** Builds and sends one complete message (confirmation emails, test sends). */
  async send(mail: OutgoingMail): Promise<SentMail> {
    const messageId = `<${randomUUID()}@${this.config.mailDomain}>`;
    const info = await this.transporter.sendMail({
      from: this.config.env.MAIL_FROM,
      to: mail.to,
      subject: mail.subject,
      html: mail.html,
      text: mail.text,
      headers: mail.headers,
      messageId,
    });
    if (this.usesOutbox) {
      this.writeOutbox(messageId, (info as unknown as { message: Buffer }).message);
      return { messageId, response: 'written to outbox' };
    }
    return { messageId, response: String(info.response ?? '') };
  }

  /** Sends prebuilt MIME bytes to one recipient. */
  async sendRaw(envelope: { from: string; to: string }, raw: Buffer | string, messageId: string): Promise<SentMail> {
    if (this.usesOutbox) {
      this.writeOutbox(messageId, Buffer.isBuffer(raw) ? raw : Buffer.from(raw));
      return { messageId, response: 'written to outbox' };
    }
    const info = await this.transporter.sendMail({ envelope, raw });
    return { messageId, response: String(info.response ?? '') };
  }

  private writeOutbox(messageId: string, bytes: Buffer): void {
    mkdirSync(this.config.outboxDir, { recursive: true });
    const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${messageId.replace(/[<>@]/g, '').slice(0, 36)}.eml`;
    writeFileSync(join(this.config.outboxDir, name), bytes);
  }

  onApplicationShutdown(): void {
    this.transporter.close();
    this.logger.debug('Mail transport closed');
  }
}
