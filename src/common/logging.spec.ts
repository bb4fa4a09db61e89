import { logDestination, QuietStartupLogger, redactUrl } from './logging';

describe('redactUrl', () => {
  it('hides the value of a token in the query string and keeps the rest', () => {
    expect(redactUrl('/subscriptions/confirm?token=abc.def&utm_source=mail')).toBe(
      '/subscriptions/confirm?token=[redacted]&utm_source=mail',
    );
  });

  it('hides every secret-looking parameter, whatever its case or position', () => {
    const url = redactUrl('/x?a=1&Token=T1&api_key=K1&password=P1&secret=S1&signature=G1&b=2');
    for (const value of ['T1', 'K1', 'P1', 'S1', 'G1']) {
      expect(url).not.toContain(value);
    }
    expect(url).toBe(
      '/x?a=1&Token=[redacted]&api_key=[redacted]&password=[redacted]&secret=[redacted]&signature=[redacted]&b=2',
    );
  });

  it('recognises percent-encoded parameter names', () => {
    expect(redactUrl('/u?%74oken=abc')).toBe('/u?%74oken=[redacted]');
  });

  it('leaves URLs without a query alone', () => {
    expect(redactUrl('/health')).toBe('/health');
    expect(redactUrl('/health?')).toBe('/health');
    expect(redactUrl(undefined)).toBe('');
  });

  it('hides a token given without a value marker or repeated', () => {
    expect(redactUrl('/u?token=one&token=two')).toBe('/u?token=[redacted]&token=[redacted]');
  });
});

describe('redactUrl with malformed input', () => {
  it('does not throw on a malformed percent escape and still hides the token', () => {
    expect(redactUrl('/u?%zz=1&token=abc')).toBe('/u?%zz=1&token=[redacted]');
    expect(redactUrl('/u?%E0%A4%A=1')).toBe('/u?%E0%A4%A=1');
  });
});

describe('QuietStartupLogger', () => {
  function recorder() {
    const calls: Array<[string, unknown, unknown[]]> = [];
    const at =
      (level: string) =>
      (message: unknown, ...params: unknown[]) =>
        calls.push([level, message, params]);
    return { calls, logger: { log: at('log'), debug: at('debug'), warn: at('warn'), error: at('error') } };
  }

  it("moves Nest's module and route-mapping lines to debug and keeps everything else as it was", () => {
    const { calls, logger } = recorder();
    const quiet = new QuietStartupLogger(logger);
    quiet.log('Mapped {/admin, GET} route', 'RouterExplorer');
    quiet.log('AppModule dependencies initialized', 'InstanceLoader');
    quiet.log('Applied 2 migration(s)', 'Migrations');
    quiet.warn('careful', 'Feeds');
    quiet.error('failed', 'stack', 'NestApplication');
    expect(calls).toEqual([
      ['debug', 'Mapped {/admin, GET} route', ['RouterExplorer']],
      ['debug', 'AppModule dependencies initialized', ['InstanceLoader']],
      ['log', 'Applied 2 migration(s)', ['Migrations']],
      ['warn', 'careful', ['Feeds']],
      ['error', 'failed', ['stack', 'NestApplication']],
    ]);
  });
});

describe('logDestination', () => {
  it('is JSON (pino default) when stdout is not a terminal, pretty when it is', () => {
    expect(logDestination({ isTTY: false })).toBeUndefined();
    expect(logDestination({})).toBeUndefined();
    expect(logDestination({ isTTY: true })).toEqual(expect.objectContaining({ write: expect.any(Function) }));
  });
});
