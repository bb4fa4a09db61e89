import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type KeyObject, randomUUID } from 'node:crypto';
import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { parseConnectionUrl } from 'nodemailer/lib/shared';
import { AppConfig, ConfigError } from '../config/app-config';
import { errorMessage } from '../common/error-message';
import { type DkimKey, DkimSigner, dkimPrivateKey } from './dkim-signer';
import { RawSmtpPool } from './raw-smtp-pool';

export interface OutgoingMail {
  to: string;
  subject: string;
  html: string;
  text: string;
  headers?: Record<string, string>;
  /** A stable Message-ID (transactional rows: the same on every retransmission); else a random one. */
  messageId?: string;
}

export interface SentMail {
  messageId: string;
  response: string;
}

/**
 * SMTP timeouts derived from the lease, all below it: a stalled exchange (a tarpit, a dead link) fails this
 * message (retried later) before its lease would matter, so a live worker never holds a row indefinitely and
 * the lease heartbeat is never the only thing keeping a stuck row. nodemailer's own socket default is 10 min.
 */
export function smtpTimeouts(leaseSeconds: number): {
  connectionTimeout: number;
  greetingTimeout: number;
  socketTimeout: number;
} {
  const lease = leaseSeconds * 1000;
  return {
    connectionTimeout: Math.min(30_000, Math.round(lease / 3)),
    greetingTimeout: Math.min(30_000, Math.round(lease / 3)),
    socketTimeout: Math.round((lease * 2) / 3),
  };
}

/**
 * The one way out for email. With SMTP_URL: a pooled nodemailer SMTP transport (SMTP_POOL_SIZE connections,
 * kept open across messages). Without it: every message is written to the outbox folder as an .eml file, so
 * a newcomer can see what would have been sent. With DKIM_* set, every message is signed: prebuilt ones by
 * DkimSigner before they enter the raw pool, the rest by nodemailer.
 */
@Injectable()
export class MailTransport implements OnApplicationShutdown {
  private readonly logger = new Logger(MailTransport.name);
  private readonly transporter: Transporter;
  /** Prebuilt messages go straight to pooled SMTP connections, signed before they go when DKIM is set. */
  private readonly rawPool?: RawSmtpPool;
  /**
   * Signs prebuilt messages for the raw pool (DeliverySender puts the signature in front of each): set when
   * DKIM_* is and mail goes over SMTP. (Outbox files and transactional mail are signed by nodemailer.)
   */
  readonly rawSigner?: DkimSigner;
  private extensions?: Promise<string[]>;
  readonly usesOutbox: boolean;
  /** The bare sender address of MAIL_FROM, used as the envelope sender. */
  readonly fromAddress: string;

  constructor(private readonly config: AppConfig) {
    this.usesOutbox = !config.mail.smtpUrl;
    this.fromAddress = /<([^>]+)>\s*$/.exec(config.mail.from)?.[1] ?? config.mail.from.trim();
    const dkim = this.dkimOptions();
    this.transporter = this.usesOutbox
      ? nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows', dkim } as object)
      : // The options go in one object with the URL: a second argument to createTransport is message defaults,
        // where `pool` would be ignored and every message would open a new connection.
        nodemailer.createTransport({
          url: config.mail.smtpUrl,
          pool: true,
          maxConnections: config.delivery.poolSize,
          // Reconnecting every 100 messages (the default) costs throughput for nothing on a bulk send.
          maxMessages: Infinity,
          ...smtpTimeouts(config.delivery.leaseSeconds),
          dkim,
        } as object);
    if (!this.usesOutbox) {
      if (dkim) {
        this.rawSigner = new DkimSigner([
          { domain: dkim.domainName, selector: dkim.keySelector, privateKey: dkimPrivateKey(dkim.privateKey) },
          ...this.ed25519Key(dkim.domainName),
        ]);
      }
      this.rawPool = new RawSmtpPool(
        {
          ...(parseConnectionUrl(config.mail.smtpUrl) as object),
          ...smtpTimeouts(config.delivery.leaseSeconds),
        },
        config.delivery.poolSize,
      );
    }
  }

  /** Builds and sends one complete message (the transactional outbox's rows). */
  async send(mail: OutgoingMail): Promise<SentMail> {
    const messageId = mail.messageId ?? `<${randomUUID()}@${this.config.mailDomain}>`;
    const info = await this.transporter.sendMail({
      from: this.config.mail.from,
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

  /**
   * Sends prebuilt MIME bytes to one recipient. nodemailer adds SMTPUTF8 to MAIL FROM by itself when the
   * envelope holds a UTF-8 address and the server offers it; check `supportsSmtpUtf8()` first for such
   * addresses, so a server without it gives a clear error instead of a mangled address. `eightBit` asks for
   * BODY=8BITMIME (check `supports8BitMime()` before building an 8bit message). `beforeTransmit` is awaited
   * once a connection is the message's, just before it goes out (see RawSmtpPool.send).
   */
  async sendRaw(
    envelope: { from: string; to: string },
    raw: Buffer | string,
    messageId: string,
    eightBit = false,
    beforeTransmit?: () => Promise<void>,
  ): Promise<SentMail> {
    if (this.rawPool) {
      const bytes = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
      const { response } = await this.rawPool.send({ ...envelope, use8BitMime: eightBit }, bytes, beforeTransmit);
      return { messageId, response };
    }
    if (beforeTransmit) {
      await beforeTransmit();
    }
    const info = await this.transporter.sendMail({
      envelope: { ...envelope, use8BitMime: eightBit },
      raw,
      // Given, so nodemailer draws no random Message-ID (five randomBytes calls) for a message it never builds:
      // the raw bytes carry their own; nodemailer only reads it for its logs.
      messageId,
    });
    if (this.usesOutbox) {
      this.writeOutbox(messageId, (info as unknown as { message: Buffer }).message);
      return { messageId, response: 'written to outbox' };
    }
    return { messageId, response: String(info.response ?? '') };
  }

  /** Whether the server takes UTF-8 addresses (SMTPUTF8). */
  async supportsSmtpUtf8(): Promise<boolean> {
    return this.usesOutbox || (await this.serverExtensions()).includes('SMTPUTF8');
  }

  /** Whether the server takes 8bit bodies (8BITMIME); without it, messages go quoted-printable. */
  async supports8BitMime(): Promise<boolean> {
    return this.usesOutbox || (await this.serverExtensions()).includes('8BITMIME');
  }

  /**
   * The extensions the SMTP server announces, asked once per process over a short-lived connection of its
   * own. A failed probe is not remembered, so the next send asks again.
   */
  private serverExtensions(): Promise<string[]> {
    this.extensions ??= new Promise<string[]>((resolve, reject) => {
      const connection = new SMTPConnection({
        ...(parseConnectionUrl(this.config.mail.smtpUrl) as object),
        connectionTimeout: 10_000,
        logger: false,
      });
      connection.once('error', (err: Error) => {
        this.extensions = undefined;
        reject(err);
      });
      connection.connect(() => {
        const extensions = (connection as unknown as { _supportedExtensions: string[] })._supportedExtensions ?? [];
        connection.quit();
        resolve([...extensions]);
      });
    });
    return this.extensions;
  }

  private dkimOptions(): { domainName: string; keySelector: string; privateKey: string } | undefined {
    const { domain: DKIM_DOMAIN, selector: DKIM_SELECTOR, privateKeyFile: DKIM_PRIVATE_KEY_FILE } = this.config.dkim;
    if (!DKIM_DOMAIN && !DKIM_SELECTOR && !DKIM_PRIVATE_KEY_FILE) {
      return undefined;
    }
    if (!DKIM_DOMAIN || !DKIM_SELECTOR || !DKIM_PRIVATE_KEY_FILE) {
      throw new ConfigError('DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY_FILE must be set together');
    }
    let privateKey: string;
    try {
      privateKey = readFileSync(DKIM_PRIVATE_KEY_FILE, 'utf8');
    } catch (err) {
      throw new ConfigError(`DKIM_PRIVATE_KEY_FILE cannot be read: ${errorMessage(err)}`);
    }
    try {
      if (dkimPrivateKey(privateKey).asymmetricKeyType !== 'rsa') {
        // nodemailer signs transactional mail and knows only RSA; receivers all verify RSA (see docs/delivery.md).
        throw new Error('it must be an RSA key');
      }
    } catch (err) {
      throw new ConfigError(`DKIM_PRIVATE_KEY_FILE does not hold a usable private key: ${errorMessage(err)}`);
    }
    this.logger.log(`Signing outgoing mail with DKIM (${DKIM_SELECTOR}._domainkey.${DKIM_DOMAIN})`);
    return { domainName: DKIM_DOMAIN, keySelector: DKIM_SELECTOR, privateKey };
  }

  /**
   * The optional second key (DKIM_ED25519_*): Ed25519 signatures are short and cheap, but Gmail, Yahoo and
   * Outlook.com verify only RSA ones, so it is only ever a second signature beside the RSA one (RFC 8463).
   */
  private ed25519Key(domain: string): DkimKey[] {
    const { ed25519Selector: selector, ed25519PrivateKeyFile: file } = this.config.dkim;
    if (!selector && !file) {
      return [];
    }
    if (!selector || !file) {
      throw new ConfigError('DKIM_ED25519_SELECTOR and DKIM_ED25519_PRIVATE_KEY_FILE must be set together');
    }
    let privateKey: KeyObject;
    try {
      privateKey = dkimPrivateKey(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`DKIM_ED25519_PRIVATE_KEY_FILE cannot be read as a private key: ${errorMessage(err)}`);
    }
    if (privateKey.asymmetricKeyType !== 'ed25519') {
      throw new ConfigError('DKIM_ED25519_PRIVATE_KEY_FILE must hold an Ed25519 key');
    }
    this.logger.log(`Signing digests with Ed25519 too (${selector}._domainkey.${domain})`);
    return [{ domain, selector, privateKey }];
  }

  private writeOutbox(messageId: string, bytes: Buffer): void {
    mkdirSync(this.config.outboxDir, { recursive: true });
    const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${messageId.replace(/[^A-Za-z0-9.-]/g, '').slice(0, 60)}.eml`;
    writeFileSync(join(this.config.outboxDir, name), bytes);
  }

  onApplicationShutdown(): void {
    this.transporter.close();
    this.rawPool?.close();
    this.logger.debug('Mail transport closed');
  }
}
