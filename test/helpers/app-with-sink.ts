import { SmtpSink } from './smtp-sink';
import { startTestApp, TestApp, TestAppOptions } from './test-app';

/** The app and the real SMTP server it sends to; both exist once the block's beforeAll ran. */
export interface AppWithSink {
  readonly t: TestApp;
  readonly sink: SmtpSink;
}

/**
 * For a describe block: starts an SMTP sink and the app sending to it (SMTP_URL) before its tests, stops both
 * after. Read `t` and `sink` inside the tests, not at the block's top level.
 */
export function appWithSmtpSink(options: TestAppOptions = {}): AppWithSink {
  const started = {} as { t: TestApp; sink: SmtpSink };
  beforeAll(async () => {
    started.sink = await SmtpSink.start();
    started.t = await startTestApp({ ...options, env: { SMTP_URL: started.sink.url, ...options.env } });
  });
  afterAll(async () => {
    await started.t?.close();
    await started.sink?.stop();
  });
  return started;
}
