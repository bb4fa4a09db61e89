import { createHmac, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { MAX_TRACKED_LINKS, type TrackedLink } from '../common/reader-placeholders';
import { AppConfig } from '../config/app-config';

/** 8 bytes delivery id, 2 bytes link (0 = the open pixel), 10 bytes of HMAC-SHA256. */
const PAYLOAD_BYTES = 10;
const MAC_BYTES = 10;
const TOKEN_LENGTH = Math.ceil(((PAYLOAD_BYTES + MAC_BYTES) * 4) / 3); // 27 base64url characters
const TOKEN = new RegExp(`^[A-Za-z0-9_-]{${TOKEN_LENGTH}}$`);
const OPEN_PIXEL_INDEX = 0;

export interface TrackedDeliveryLink {
  deliveryId: string;
  link: TrackedLink;
}

/**
 * The token of `/r/<token>` (a click) and `/o/<token>.gif` (an open): it names a delivery and a link and is
 * signed, so nobody can forge one for another reader or turn the redirect into an open redirect (the target is
 * looked up, never carried). No storage: any worker computes it, the web process verifies it. An 80-bit MAC
 * is plenty for a link that only ever records a click; the key is derived from SECRET_KEY for this use alone.
 */
@Injectable()
export class TrackingTokens {
  private readonly key: Buffer;

  constructor(config: AppConfig) {
    this.key = createHmac('sha256', config.secretKey).update('nashra engagement tokens v1').digest();
  }

  sign(deliveryId: string, link: TrackedLink): string {
    const payload = Buffer.alloc(PAYLOAD_BYTES);
    payload.writeBigUInt64BE(BigInt(deliveryId), 0);
    payload.writeUInt16BE(link.kind === 'open' ? OPEN_PIXEL_INDEX : link.index, 8);
    return Buffer.concat([payload, this.mac(payload)]).toString('base64url');
  }

  /** What a token names, or null when it is malformed, forged or altered. */
  verify(token: string): TrackedDeliveryLink | null {
    if (!TOKEN.test(token)) {
      return null;
    }
    const bytes = Buffer.from(token, 'base64url');
    if (bytes.length !== PAYLOAD_BYTES + MAC_BYTES || bytes.toString('base64url') !== token) {
      return null;
    }
    const payload = bytes.subarray(0, PAYLOAD_BYTES);
    if (!timingSafeEqual(bytes.subarray(PAYLOAD_BYTES), this.mac(payload))) {
      return null;
    }
    const deliveryId = payload.readBigUInt64BE(0);
    const index = payload.readUInt16BE(8);
    if (deliveryId < 1n || deliveryId > 9223372036854775807n || index > MAX_TRACKED_LINKS) {
      return null;
    }
    return {
      deliveryId: deliveryId.toString(),
      link: index === OPEN_PIXEL_INDEX ? { kind: 'open' } : { kind: 'click', index },
    };
  }

  private mac(payload: Buffer): Buffer {
    return createHmac('sha256', this.key).update(payload).digest().subarray(0, MAC_BYTES);
  }
}
