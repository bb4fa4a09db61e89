import request from 'supertest';
import { bounceSignature } from '../../src/delivery/bounce-webhook.controller';

/** A provider's report to POST /webhooks/bounces, signed with the webhook secret as a provider would; expects 200. */
export function postBounceReport(baseUrl: string, secret: string, body: Record<string, unknown>): request.Test {
  const raw = JSON.stringify(body);
  return request(baseUrl)
    .post('/webhooks/bounces')
    .set('Content-Type', 'application/json')
    .set('X-Nashra-Signature', bounceSignature(secret, raw))
    .send(raw)
    .expect(200);
}
