import type { AppConfig } from '../config/app-config';
import { AttemptResults } from './attempt-results';
import { classifySendError } from './send-outcome';
import type { TransportHealth } from './transport-health';

/** The delivery attempt rules, with the transport's health faked at its interface (no database, no SMTP). */
describe('AttemptResults: what a row becomes after one send attempt', () => {
  const delivery = { maxAttempts: 3, retryBaseSeconds: 60, outageBackoffSeconds: 45 };
  let health: { reachable: jest.Mock; unreachable: jest.Mock };
  let results: AttemptResults;

  beforeEach(() => {
    health = { reachable: jest.fn().mockResolvedValue(undefined), unreachable: jest.fn().mockResolvedValue(120) };
    results = new AttemptResults({ delivery } as unknown as AppConfig, health as unknown as TransportHealth);
  });

  it('a message the server took is sent, keeps its Message-ID, uses one attempt and says the server answers', async () => {
    expect(await results.resultOf({ kind: 'sent', messageId: '<m1@nashra.test>' }, 0)).toEqual({
      status: 'sent',
      error: null,
      messageId: '<m1@nashra.test>',
      retrySeconds: null,
      attemptsDelta: 1,
    });
    expect(health.reachable).toHaveBeenCalledTimes(1);
  });

  it('a 4xx is queued again with a doubling delay while attempts remain', async () => {
    const first = await results.resultOf(classifySendError({ responseCode: 451, response: '451 try later' }), 0);
    expect(first).toMatchObject({ status: 'queued', error: '451 try later', retrySeconds: 60, attemptsDelta: 1 });
    const second = await results.resultOf({ kind: 'retry', error: '451 try later' }, 1);
    expect(second).toMatchObject({ status: 'queued', retrySeconds: 120, attemptsDelta: 1 });
  });

  it('gives up at DELIVERY_MAX_ATTEMPTS: the row fails and says after how many attempts', async () => {
    expect(await results.resultOf({ kind: 'retry', error: '452 mailbox full' }, 2)).toEqual({
      status: 'failed',
      error: '452 mailbox full (gave up after 3 attempts)',
      messageId: null,
      retrySeconds: null,
      attemptsDelta: 1,
    });
  });

  it('a 5xx at RCPT TO bounces the reader for good, with no retry', async () => {
    const outcome = classifySendError({ responseCode: 550, command: 'RCPT TO', response: '550 5.1.1 No such user' });
    expect(await results.resultOf(outcome, 0)).toEqual({
      status: 'bounced',
      error: '550 5.1.1 No such user',
      messageId: null,
      retrySeconds: null,
      attemptsDelta: 1,
    });
  });

  it('a 5xx elsewhere fails the row without bouncing the reader (the refusal is about the message, not the address)', async () => {
    const outcome = classifySendError({ responseCode: 552, command: 'DATA', response: '552 message too big' });
    expect(await results.resultOf(outcome, 0)).toMatchObject({ status: 'failed', attemptsDelta: 1 });
  });

  it('an unreachable server uses none of the reader’s attempts, even on the last one, and waits out its backoff', async () => {
    const outcome = classifySendError({ code: 'ESOCKET', originalCode: 'ECONNREFUSED', message: 'connect refused' });
    expect(await results.resultOf(outcome, 2)).toMatchObject({
      status: 'queued',
      retrySeconds: 120,
      attemptsDelta: 0,
    });
    expect(health.unreachable).toHaveBeenCalledTimes(1);
    expect(health.reachable).not.toHaveBeenCalled();
  });

  it('when the transport state cannot be recorded, an outage still waits SMTP_OUTAGE_BACKOFF_SECONDS', async () => {
    health.unreachable.mockRejectedValue(new Error('database gone'));
    expect(await results.resultOf({ kind: 'unreachable', error: 'ECONNREFUSED' }, 0)).toMatchObject({
      status: 'queued',
      retrySeconds: 45,
      attemptsDelta: 0,
    });
  });

  it('a sent message stays sent even if the transport state cannot be recorded', async () => {
    health.reachable.mockRejectedValue(new Error('database gone'));
    expect(await results.resultOf({ kind: 'sent', messageId: '<m2@nashra.test>' }, 0)).toMatchObject({
      status: 'sent',
    });
  });
});
