import { ForbiddenException, ServiceUnavailableException } from '@nestjs/common';
import {
  sesComplaint,
  SNS_SUBSCRIPTION_CONFIRMATION,
  snsNotification,
} from '../../../test/fixtures/bounces/provider-payloads';
import { signedSns, TestSnsCertificates } from '../../../test/fixtures/bounces/sns-signing';
import { isSnsCertificateUrl, SnsCertificateFetcher, SnsSignatures, snsStringToSign } from './sns-signature';

describe('snsStringToSign', () => {
  it('is Name\\nValue\\n of the signed fields in SNS order; Subject only when there is one', () => {
    const message = {
      Type: 'Notification',
      MessageId: 'm-1',
      TopicArn: 'arn:aws:sns:eu-central-1:123456789012:t',
      Message: '{"a":1}',
      Timestamp: '2026-12-05T06:02:14.112Z',
      UnsubscribeURL: 'https://sns.eu-central-1.amazonaws.com/?Action=Unsubscribe',
    };
    const unsigned = `Message\n{"a":1}\nMessageId\nm-1\nTimestamp\n2026-12-05T06:02:14.112Z\nTopicArn\narn:aws:sns:eu-central-1:123456789012:t\nType\nNotification\n`;
    expect(snsStringToSign(message)).toBe(unsigned);
    expect(snsStringToSign({ ...message, Subject: 'Bounce' })).toBe(
      unsigned.replace('Timestamp\n', 'Subject\nBounce\nTimestamp\n'),
    );
    expect(snsStringToSign(SNS_SUBSCRIPTION_CONFIRMATION)).toContain('\nSubscribeURL\nhttps://');
    expect(snsStringToSign({ ...message, Type: 'Other' })).toBeNull();
    expect(snsStringToSign({ ...message, MessageId: undefined })).toBeNull();
  });
});

describe('isSnsCertificateUrl', () => {
  it('allows only https on sns.<region>.amazonaws.com with the SNS certificate path', () => {
    const good =
      'https://sns.eu-central-1.amazonaws.com/SimpleNotificationService-01d088a6f77103d0fe307c0069e40ed6.pem';
    expect(isSnsCertificateUrl(good)).toBe(true);
    expect(isSnsCertificateUrl(good.replace('eu-central-1.amazonaws.com', 'cn-north-1.amazonaws.com.cn'))).toBe(true);
    for (const bad of [
      good.replace('https:', 'http:'),
      good.replace('sns.eu-central-1.amazonaws.com', 'sns.eu-central-1.amazonaws.com.evil.example'),
      good.replace('sns.eu-central-1.amazonaws.com', 'sns.eu-central-1.amazonaws.com@evil.example'),
      good.replace('sns.eu-central-1.amazonaws.com', 'sns.eu-central-1.amazonaws.com:8443'),
      good.replace('sns.', 's3.'),
      good.replace('SimpleNotificationService-', 'other-'),
      `${good}?x=1`,
      'not a url',
    ]) {
      expect([bad, isSnsCertificateUrl(bad)]).toEqual([bad, false]);
    }
  });
});

describe('SnsSignatures', () => {
  const message = () => snsNotification(sesComplaint('reader@example.org', '<k@nashra.test>'));
  const setUp = () => {
    const certificates = new TestSnsCertificates();
    return { certificates, signatures: new SnsSignatures(certificates as unknown as SnsCertificateFetcher) };
  };

  it('accepts SignatureVersion 1 and 2, fetching each certificate once', async () => {
    const { certificates, signatures } = setUp();
    await signatures.verify(signedSns(message(), '1'));
    await signatures.verify(signedSns(message(), '2'));
    await signatures.verify(signedSns(SNS_SUBSCRIPTION_CONFIRMATION, '2'));
    expect(certificates.downloads).toHaveLength(1);
  });

  it('refuses (403) a changed message, a foreign certificate URL, another version, no signature', async () => {
    const { certificates, signatures } = setUp();
    const signed = signedSns(message());
    const refused = (m: Record<string, unknown>) => expect(signatures.verify(m)).rejects.toThrow(ForbiddenException);
    await refused({ ...signed, Message: signed.Message + ' ' });
    await refused({ ...signed, SignatureVersion: '2' });
    await refused({ ...signed, SignatureVersion: '3' });
    await refused({ ...signed, Signature: undefined });
    await refused({ ...signed, SigningCertURL: 'https://certs.example.net/SimpleNotificationService-1.pem' });
    await expect(signatures.verify({ ...signed, Message: 'x' })).rejects.toThrow(/does not match the message/);
    expect(certificates.downloads).toHaveLength(1);
  });

  it('answers 503 when the certificate cannot be fetched, and tries again next time', async () => {
    const { certificates, signatures } = setUp();
    certificates.failing = true;
    await expect(signatures.verify(signedSns(message()))).rejects.toThrow(ServiceUnavailableException);
    certificates.failing = false;
    await signatures.verify(signedSns(message()));
    expect(certificates.downloads).toHaveLength(2);
  });

  it('keeps at most 16 certificates, dropping the oldest', async () => {
    const { certificates, signatures } = setUp();
    const at = (i: number) =>
      signedSns({ ...message(), SigningCertURL: `https://sns.r${i}.amazonaws.com/SimpleNotificationService-${i}.pem` });
    for (let i = 0; i <= 16; i++) {
      await signatures.verify(at(i));
    }
    await signatures.verify(at(16));
    expect(certificates.downloads).toHaveLength(17);
    await signatures.verify(at(0));
    expect(certificates.downloads).toHaveLength(18);
  });
});
