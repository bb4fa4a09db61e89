import { KeyObject, verify, X509Certificate } from 'node:crypto';
import { ForbiddenException, Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import { errorMessage } from '../../common/error-message';

/**
 * Amazon SNS signs every message it posts (SignatureVersion 1: SHA1withRSA, 2: SHA256withRSA) with the key of
 * the certificate at SigningCertURL. The string signed is `Name\nValue\n` for these fields, in this order;
 * Subject only when the message has one.
 */
const SIGNED_FIELDS: Record<string, string[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

/** The string SNS signed; null when the message's Type is not one SNS signs or a signed field is missing. */
export function snsStringToSign(message: Record<string, unknown>): string | null {
  const fields = typeof message.Type === 'string' ? SIGNED_FIELDS[message.Type] : undefined;
  if (!fields) {
    return null;
  }
  let text = '';
  for (const field of fields) {
    const value = message[field];
    if (field === 'Subject' && value == null) {
      continue;
    }
    if (typeof value !== 'string') {
      return null;
    }
    text += `${field}\n${value}\n`;
  }
  return text;
}

/**
 * Only Amazon's own certificates: https, on sns.<region>.amazonaws.com (or .com.cn), no port or credentials,
 * the path SNS uses. Anyone can sign a message with a key of their own; what makes it SNS is where the key is.
 */
export function isSnsCertificateUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  return (
    url.protocol === 'https:' &&
    url.port === '' &&
    url.username === '' &&
    url.password === '' &&
    url.search === '' &&
    /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.test(url.hostname) &&
    /^\/SimpleNotificationService-[A-Za-z0-9]+\.pem$/.test(url.pathname)
  );
}

const CERTIFICATE_MAX_BYTES = 32 * 1024;
const CERTIFICATE_FETCH_TIMEOUT_MS = 10_000;

/** The one outbound request of the SES route: a signing certificate (PEM) from a URL isSnsCertificateUrl allows. */
@Injectable()
export class SnsCertificateFetcher {
  async download(url: string): Promise<string> {
    const response = await fetch(url, {
      redirect: 'error',
      signal: AbortSignal.timeout(CERTIFICATE_FETCH_TIMEOUT_MS),
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`HTTP ${response.status}`);
    }
    if (Number(response.headers.get('content-length') ?? 0) > CERTIFICATE_MAX_BYTES) {
      await response.body?.cancel();
      throw new Error('larger than a certificate');
    }
    const body = Buffer.from(await response.arrayBuffer());
    if (body.length > CERTIFICATE_MAX_BYTES) {
      throw new Error('larger than a certificate');
    }
    return body.toString('utf8');
  }
}

/** SNS uses one certificate per region for months: a handful of entries is plenty, and the bound is a guard. */
const MAX_CACHED_CERTIFICATES = 16;

/** Checks SNS message signatures; certificates are fetched once per URL and kept (bounded, oldest out first). */
@Injectable()
export class SnsSignatures {
  private readonly logger = new Logger(SnsSignatures.name);
  private readonly certificates = new Map<string, Promise<KeyObject>>();

  constructor(private readonly fetcher: SnsCertificateFetcher) {}

  /** Returns when Amazon SNS signed this message; 403 when it did not, 503 when its certificate is unreachable. */
  async verify(message: Record<string, unknown>): Promise<void> {
    const { SignatureVersion: version, SigningCertURL: url, Signature: signature } = message;
    if (version !== '1' && version !== '2') {
      throw new ForbiddenException('SNS signature refused: SignatureVersion must be 1 or 2');
    }
    if (typeof url !== 'string' || !isSnsCertificateUrl(url)) {
      throw new ForbiddenException(
        'SNS signature refused: SigningCertURL must be https://sns.<region>.amazonaws.com/SimpleNotificationService-….pem',
      );
    }
    const signed = snsStringToSign(message);
    if (typeof signature !== 'string' || signed === null) {
      throw new ForbiddenException('SNS signature refused: the message lacks Signature or a signed field');
    }
    const key = await this.certificate(url);
    const valid = verify(
      version === '1' ? 'sha1' : 'sha256',
      Buffer.from(signed, 'utf8'),
      key,
      Buffer.from(signature, 'base64'),
    );
    if (!valid) {
      throw new ForbiddenException('SNS signature refused: it does not match the message');
    }
  }

  private certificate(url: string): Promise<KeyObject> {
    const cached = this.certificates.get(url);
    if (cached) {
      return cached;
    }
    if (this.certificates.size >= MAX_CACHED_CERTIFICATES) {
      this.certificates.delete(this.certificates.keys().next().value!);
    }
    const loading = this.fetcher
      .download(url)
      .then((pem) => new X509Certificate(pem).publicKey)
      .catch((err: unknown) => {
        this.logger.warn(`SNS signing certificate ${url} unusable: ${errorMessage(err)}`);
        throw new ServiceUnavailableException('the SNS signing certificate could not be fetched; SNS retries later');
      });
    this.certificates.set(url, loading);
    // A failed fetch is not kept: the next message tries again.
    loading.catch(() => this.certificates.delete(url));
    return loading;
  }
}
