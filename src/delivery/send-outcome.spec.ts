import { classifySendError, retryDelaySeconds, trimError } from './send-outcome';

describe('classifySendError', () => {
  it('bounces a 5xx refusal of the recipient', () => {
    const err = Object.assign(new Error("Can't send mail - all recipients were rejected"), {
      code: 'EENVELOPE',
      responseCode: 550,
      command: 'RCPT TO',
      response: '550 5.1.1 No such user',
    });
    expect(classifySendError(err)).toEqual({ kind: 'bounced', error: '550 5.1.1 No such user' });
  });

  it('retries a 4xx answer and a broken connection', () => {
    expect(classifySendError({ responseCode: 451, command: 'RCPT TO', response: '451 try later' }).kind).toBe('retry');
    expect(classifySendError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNECTION' })).kind).toBe(
      'retry',
    );
  });

  it('tells a server that cannot be reached from one that answers', () => {
    const refused = { code: 'ESOCKET', originalCode: 'ECONNREFUSED', command: 'CONN', message: 'connect ECONNREFUSED' };
    const dns = { code: 'EDNS', originalCode: 'ENOTFOUND', command: 'CONN', message: 'getaddrinfo ENOTFOUND x' };
    const greeting = {
      code: 'EPROTOCOL',
      command: 'CONN',
      responseCode: 421,
      message: 'Invalid greeting. response=421',
    };
    const silent = {
      code: 'ETIMEDOUT',
      command: 'CONN',
      timeoutType: 'GREETING_TIMEOUT',
      message: 'Greeting never received',
    };
    for (const err of [refused, dns, greeting, silent, { code: 'ETLS', message: 'Error initiating TLS' }]) {
      expect(classifySendError(err).kind).toBe('unreachable');
    }
    // Mid-transaction: that message's attempt.
    const stalled = { code: 'ETIMEDOUT', command: 'CONN', timeoutType: 'SOCKET_TIMEOUT', message: 'Timeout' };
    expect(classifySendError(stalled).kind).toBe('retry');
    expect(classifySendError({ code: 'ECONNECTION', command: 'CONN', message: 'Connection closed' }).kind).toBe(
      'retry',
    );
  });

  it('fails (without bouncing the reader) a 5xx for the message, and an address the client refuses', () => {
    expect(classifySendError({ responseCode: 554, command: 'DATA', message: 'Message rejected' }).kind).toBe('failed');
    expect(classifySendError({ code: 'EENVELOPE', message: 'Invalid recipient' }).kind).toBe('failed');
  });
});

describe('trimError', () => {
  it('never keeps a token and caps the length', () => {
    const out = trimError(`451 bad https://x/unsubscribe?token=12.abcdefghijklmnopqrstuv ${'z'.repeat(500)}`);
    expect(out).not.toContain('abcdefghij');
    expect(out.length).toBeLessThanOrEqual(300);
  });
});

describe('retryDelaySeconds', () => {
  it('doubles from the base', () => {
    expect([1, 2, 3, 4].map((a) => retryDelaySeconds(a, 60))).toEqual([60, 120, 240, 480]);
  });
});
