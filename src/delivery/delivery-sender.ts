import { domainToASCII } from 'node:url';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { type MessageSource, type RecipientLinks, type TrackedLinks, DeliveryPorts } from './delivery-ports';
import type { ClaimedDelivery, DeliveryResult } from './delivery.repository';
import { AttemptResults } from './attempt-results';
import { MailTransport } from './mail-transport';
import type { TrackedLink } from '../common/reader-placeholders';
import type { DkimSigner } from './dkim-signer';
import { type BodyEncoding, deliveryMessageId, mailDate, PrebuiltMessage, type ReaderFields } from './prebuilt-message';
import { classifySendError, SendOutcome } from './send-outcome';
import { SendRateLimiter } from './send-rate-limiter';

const MAX_CACHED_MESSAGES = 64;
/** Room left in front of a message for its DKIM-Signature fields (an RSA-2048 one is about 600 bytes). */
const DKIM_ROOM = 2048;
/** Room a reused message buffer starts with (a digest is ~50-100 KB); it grows to the largest message. */
const MESSAGE_BUFFER_BYTES = 256 * 1024;
// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/;

/**
 * Sends one claimed delivery: the edition segment's prebuilt MIME (built once per segment and body encoding,
 * from the message source), the reader's links substituted, the address encoded for what the server offers,
 * under the global send rate. Says what the ledger should record; never throws.
 */
@Injectable()
export class DeliverySender {
  private readonly messages = new Map<string, Promise<PrebuiltMessage>>();
  /**
   * Message buffers free for reuse: one per message in flight at most. A message's bytes are rendered into a
   * free one and it comes back once the server has answered the whole DATA (the bytes are then written); one
   * whose send failed is dropped, as the socket may still hold it. Without reuse, every message allocated
   * ~100 KB outside the V8 heap, and the worker's peak RSS grew with the length of the send.
   */
  private readonly freeBuffers: Buffer[] = [];
  /** Messages this process has had accepted (for logs and tests). */
  sentCount = 0;

  constructor(
    private readonly ports: DeliveryPorts,
    private readonly config: AppConfig,
    private readonly transport: MailTransport,
    private readonly rateLimiter: SendRateLimiter,
    private readonly results: AttemptResults,
  ) {}

  private get source(): MessageSource {
    return this.ports.messageSource.get();
  }

  private get links(): RecipientLinks {
    return this.ports.recipientLinks.get();
  }

  private get tracked(): TrackedLinks {
    return this.ports.trackedLinks.get();
  }

  /** `beforeTransmit`: see MailTransport.sendRaw (DeliveryBatch's bound on unrecorded messages). */
  async deliver(delivery: ClaimedDelivery, beforeTransmit?: () => Promise<void>): Promise<DeliveryResult> {
    const base = { id: delivery.id, editionId: delivery.edition_id, retrySeconds: null, attemptsDelta: 1 as const };
    if (delivery.subscriber_status !== 'active') {
      // Unsubscribed or bounced after the edition was queued: they get nothing more (and nothing was tried).
      const error = `reader is ${delivery.subscriber_status}`;
      return { ...base, status: 'skipped', error, messageId: null, attemptsDelta: 0 };
    }
    const outcome = await this.send(delivery, beforeTransmit);
    return { ...base, ...(await this.results.resultOf(outcome, delivery.attempts)) };
  }

  private async send(delivery: ClaimedDelivery, beforeTransmit?: () => Promise<void>): Promise<SendOutcome> {
    try {
      const message = await this.prebuilt(delivery.edition_id, delivery.segment_key);
      const to = await this.recipientAddress(delivery.email);
      if (typeof to !== 'string') {
        return to;
      }
      const reader = delivery.subscriber_id;
      const messageId = deliveryMessageId(delivery.message_key, this.config.mailDomain);
      const mailto = this.config.mail.unsubscribeMailto;
      const buffer = this.freeBuffers.pop() ?? Buffer.allocUnsafe(MESSAGE_BUFFER_BYTES);
      const fields = {
        to,
        messageId,
        date: mailDate(new Date()),
        unsubscribeUrl: this.links.unsubscribeUrl(reader, message.newsletter),
        preferencesUrl: this.links.preferencesUrl(reader),
        unsubscribeMailto: mailto ? `mailto:${mailto}?subject=unsubscribe%20${this.links.token(reader)}` : undefined,
        trackedUrl: (link: TrackedLink) => this.tracked.url(delivery.id, link),
      };
      const signer = this.transport.rawSigner;
      const raw = signer ? await this.signed(message, fields, buffer, signer) : message.render(fields, buffer);
      await this.rateLimiter.take();
      await this.transport.sendRaw(
        { from: this.transport.fromAddress, to },
        raw,
        messageId,
        message.encoding === '8bit',
        beforeTransmit,
      );
      // Answered, so written: the buffer serves the next message (one too small is replaced by a larger one).
      this.freeBuffers.push(raw.buffer === buffer.buffer ? buffer : Buffer.allocUnsafeSlow(raw.length * 2));
      this.sentCount++;
      return { kind: 'sent', messageId };
    } catch (err) {
      return classifySendError(err);
    }
  }

  /**
   * The reader's message with its DKIM-Signature fields in front: rendered DKIM_ROOM bytes into the buffer, the
   * body hash finished from the segment's precomputed state, the fields (one signature per key, on the thread
   * pool) written into the room just before the message, so the bytes stay in the reused buffer.
   */
  private async signed(message: PrebuiltMessage, fields: ReaderFields, buffer: Buffer, signer: DkimSigner) {
    const { message: bytes, headerLength, bodyHash } = message.renderForSigning(fields, buffer, DKIM_ROOM);
    const signature = await signer.signatureFields(bytes.subarray(0, headerLength), bodyHash);
    if (bytes.buffer === buffer.buffer && signature.length <= DKIM_ROOM) {
      const start = bytes.byteOffset - buffer.byteOffset - signature.length;
      signature.copy(buffer, start);
      return buffer.subarray(start, start + signature.length + bytes.length);
    }
    return Buffer.concat([signature, bytes]);
  }

  /**
   * The address as envelope and To header carry it. A UTF-8 local part needs SMTPUTF8; an internationalised
   * domain goes as Unicode where the server offers SMTPUTF8 and as punycode where it does not.
   */
  private async recipientAddress(email: string): Promise<string | SendOutcome> {
    if (ASCII.test(email)) {
      return email;
    }
    const at = email.lastIndexOf('@');
    const local = email.slice(0, at);
    const domain = email.slice(at + 1);
    if (await this.transport.supportsSmtpUtf8()) {
      return email;
    }
    if (ASCII.test(local)) {
      const ascii = domainToASCII(domain);
      if (ascii) {
        return `${local}@${ascii}`;
      }
    }
    return {
      kind: 'failed',
      error: 'the SMTP server does not offer SMTPUTF8, which this UTF-8 address needs',
    };
  }

  private async prebuilt(editionId: string, segmentKey: string): Promise<PrebuiltMessage> {
    const encoding: BodyEncoding = (await this.transport.supports8BitMime()) ? '8bit' : 'quoted-printable';
    const key = `${editionId}:${segmentKey}:${encoding}`;
    let message = this.messages.get(key);
    if (!message) {
      message = this.buildMessage(editionId, segmentKey, encoding);
      // A failed build is not kept, so the next attempt tries again.
      message.catch(() => this.messages.delete(key));
      this.messages.set(key, message);
      if (this.messages.size > MAX_CACHED_MESSAGES) {
        this.messages.delete(this.messages.keys().next().value!);
      }
    }
    return message;
  }

  private async buildMessage(editionId: string, segmentKey: string, encoding: BodyEncoding): Promise<PrebuiltMessage> {
    const render = await this.source.renderSegment(editionId, segmentKey);
    const list = render.list;
    return PrebuiltMessage.build(
      {
        from: list?.senderName ? withDisplayName(this.config.mail.from, list.senderName) : this.config.mail.from,
        subject: render.subject,
        html: render.html,
        text: render.text,
        // Each newsletter is its own list (`<slug.domain>`), so mailbox filters and providers tell them apart.
        listId: list
          ? `${list.name} <${list.slug}.${this.config.mailDomain}>`
          : `${this.config.publication.name} <nashra.${this.config.mailDomain}>`,
        newsletter: list?.slug,
      },
      encoding,
      { dkim: Boolean(this.transport.rawSigner) },
    );
  }
}

/** MAIL_FROM (`Name <address>` or a bare address) with another display name. */
function withDisplayName(from: string, name: string): string {
  const address = /<([^<>]+)>\s*$/.exec(from)?.[1] ?? from.trim();
  return `${name.replace(/["\\<>\r\n]/g, '')} <${address}>`;
}
