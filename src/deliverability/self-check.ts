import { readFileSync } from 'node:fs';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { dkimSign, dkimVerify } from 'mailauth';
import nodemailer from 'nodemailer';
import { DataSource } from 'typeorm';
import { errorMessage } from '../common/error-message';
import { AppConfig } from '../config/app-config';
import { type EditionLifecycle, type MessageSource, DeliveryPorts } from '../delivery/delivery-ports';
import { DnsLookup } from './dns-lookup';

export interface SelfCheckResult {
  passed: boolean;
  detail: string;
}

/**
 * The self-check of each edition: its first message, rendered and DKIM-signed as configured, is verified the way
 * a receiver does (mailauth: the key fetched from DNS, the body hash, the signature, `d=` aligned with From).
 * It runs once per edition, when its first rows are written back; a failure pauses the edition (after at most
 * one flush of messages), with the receiver's verdict as the reason. Without DKIM, or for a domain DNS cannot
 * answer for (newsletter@localhost, *.test without DNS_SERVERS), there is nothing to check.
 */
@Injectable()
export class SelfCheck {
  private readonly logger = new Logger(SelfCheck.name);
  private readonly composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  /** Editions this process knows are checked, so a flush does not ask the database again. */
  private readonly seen = new Set<string>();

  constructor(
    private readonly ports: DeliveryPorts,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly dns: DnsLookup,
  ) {}

  private get messages(): MessageSource {
    return this.ports.messageSource.get();
  }

  private get lifecycle(): EditionLifecycle {
    return this.ports.editionLifecycle.get();
  }

  get applies(): boolean {
    const { domain: DKIM_DOMAIN, selector: DKIM_SELECTOR, privateKeyFile: DKIM_PRIVATE_KEY_FILE } = this.config.dkim;
    return Boolean(DKIM_DOMAIN && DKIM_SELECTOR && DKIM_PRIVATE_KEY_FILE) && this.dns.canLookUp(this.config.mailDomain);
  }

  /** Checks each of these editions once (the first caller wins), pausing those whose message fails. */
  async firstMessagesOf(editionIds: string[]): Promise<void> {
    const fresh = editionIds.filter((id) => !this.seen.has(id));
    if (!this.applies || fresh.length === 0) {
      return;
    }
    fresh.forEach((id) => this.seen.add(id));
    const mine: Array<{ edition_id: string }> = await this.dataSource.query(
      `INSERT INTO edition_self_checks (edition_id) SELECT unnest($1::bigint[])
       ON CONFLICT DO NOTHING RETURNING edition_id::text`,
      [fresh],
    );
    for (const { edition_id: editionId } of mine) {
      const result = await this.verify(editionId);
      await this.dataSource.query(`UPDATE edition_self_checks SET passed = $2, detail = $3 WHERE edition_id = $1`, [
        editionId,
        result.passed,
        result.detail,
      ]);
      if (!result.passed && (await this.lifecycle.selfCheckFailed(editionId, result.detail))) {
        this.logger.warn(`Edition ${editionId} paused by its self-check: ${result.detail}`);
      }
    }
  }

  async verify(editionId: string): Promise<SelfCheckResult> {
    const { domain: DKIM_DOMAIN, selector: DKIM_SELECTOR, privateKeyFile: DKIM_PRIVATE_KEY_FILE } = this.config.dkim;
    try {
      const message = await this.messages.renderSegment(editionId, 'all');
      const built = await this.composer.sendMail({
        from: this.config.mail.from,
        to: `self-check@${this.config.mailDomain}`,
        subject: message.subject,
        html: message.html,
        text: message.text,
      });
      const raw = (built as unknown as { message: Buffer }).message;
      const key = {
        signingDomain: DKIM_DOMAIN!,
        selector: DKIM_SELECTOR!,
        privateKey: readFileSync(DKIM_PRIVATE_KEY_FILE!),
      };
      // mailauth signs with the entries of signatureData (the top-level fields only describe the defaults).
      const signed = await dkimSign(raw, { ...key, signatureData: [key] });
      const verdict = await dkimVerify(Buffer.concat([Buffer.from(signed.signatures), raw]), {
        resolver: this.dns.resolve,
      });
      const result = verdict.results[0];
      if (!result || result.status.result !== 'pass') {
        return {
          passed: false,
          detail: `DKIM ${result?.status.result ?? 'none'} for d=${DKIM_DOMAIN} s=${DKIM_SELECTOR}: ${result?.status.comment ?? 'no signature'}`,
        };
      }
      if (!result.status.aligned) {
        return {
          passed: false,
          detail: `DKIM d=${DKIM_DOMAIN} is not aligned with the From domain ${this.config.mailDomain}`,
        };
      }
      return { passed: true, detail: `DKIM pass, d=${DKIM_DOMAIN} aligned with ${this.config.mailDomain}` };
    } catch (err) {
      // A check that cannot run (DNS down, no render) says nothing against the edition: it goes on.
      this.logger.warn(`Self-check of edition ${editionId} could not run: ${errorMessage(err)}`);
      return { passed: true, detail: `not checked: ${errorMessage(err)}` };
    }
  }
}
