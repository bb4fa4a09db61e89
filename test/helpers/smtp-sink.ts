import { AddressInfo } from 'node:net';
import { simpleParser, ParsedMail } from 'mailparser';
import { SMTPServer, SMTPServerAddress, SMTPServerSession } from 'smtp-server';

export interface ReceivedMessage {
  /** Envelope recipients of this delivery (one message is stored per SMTP transaction). */
  to: string[];
  from: string;
  raw: Buffer;
  parsed: ParsedMail;
}

/** Decides a recipient's fate: return `{ code, message }` to refuse it (e.g. 451 or 550), or undefined to accept. */
export type RecipientRule = (address: string, attempt: number) => { code: number; message: string } | undefined;

export interface SmtpSinkOptions {
  /** Announce SMTPUTF8 (default true). */
  smtputf8?: boolean;
  rule?: RecipientRule;
  /** Tarpit: milliseconds the server waits before answering each DATA (default 0). */
  dataDelayMs?: number;
}

/** A real SMTP server inside the test process; every accepted message is parsed with mailparser. */
export class SmtpSink {
  readonly messages: ReceivedMessage[] = [];
  rule?: RecipientRule;
  /** Tarpit: milliseconds before each DATA answer; a message counts as received only once it is answered. */
  dataDelayMs = 0;
  private readonly attempts = new Map<string, number>();
  private waiters: Array<() => void> = [];

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  static async start(options: SmtpSinkOptions = {}, listenPort = 0): Promise<SmtpSink> {
    const holder: { sink?: SmtpSink } = {};
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      hideSMTPUTF8: options.smtputf8 === false,
      logger: false,
      size: 50 * 1024 * 1024,
      maxClients: 200,
      onRcptTo(address: SMTPServerAddress, _session: SMTPServerSession, callback: (err?: Error) => void) {
        const attempt = (holder.sink!.attempts.get(address.address) ?? 0) + 1;
        holder.sink!.attempts.set(address.address, attempt);
        const refusal = holder.sink!.rule?.(address.address, attempt);
        if (refusal) {
          const err = new Error(refusal.message) as Error & { responseCode: number };
          err.responseCode = refusal.code;
          return callback(err);
        }
        callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          new Promise((resolve) => setTimeout(resolve, holder.sink!.dataDelayMs))
            .then(() => simpleParser(raw))
            .then((parsed) => {
              holder.sink!.messages.push({
                raw,
                parsed,
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                to: session.envelope.rcptTo.map((r) => r.address),
              });
              holder.sink!.waiters.forEach((w) => w());
              callback();
            })
            .catch((err: Error) => callback(err));
        });
      },
    });
    // A client killed mid-transaction (the SIGKILL tests) resets its socket; smtp-server reports that as an
    // 'error' event, which would otherwise crash the test process.
    server.on('error', () => undefined);
    await new Promise<void>((resolve) => server.listen(listenPort, '127.0.0.1', () => resolve()));
    const port = (server.server.address() as AddressInfo).port;
    const sink = new SmtpSink(server, port);
    sink.rule = options.rule;
    sink.dataDelayMs = options.dataDelayMs ?? 0;
    holder.sink = sink;
    return sink;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Messages whose envelope includes this address. */
  to(address: string): ReceivedMessage[] {
    return this.messages.filter((m) => m.to.some((t) => t.toLowerCase() === address.toLowerCase()));
  }

  /** How many times RCPT TO was tried for an address. */
  attemptsFor(address: string): number {
    return this.attempts.get(address) ?? 0;
  }

  /** Resolves when at least `count` messages have arrived; rejects after `timeoutMs`. */
  async waitForMessages(count: number, timeoutMs = 15_000): Promise<ReceivedMessage[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`Expected ${count} messages, got ${this.messages.length} after ${timeoutMs} ms`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      this.waiters = [];
    }
    return this.messages;
  }

  clear(): void {
    this.messages.length = 0;
    this.attempts.clear();
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
