import type { Transform } from 'node:stream';
import SMTPConnection from 'nodemailer/lib/smtp-connection';

/** What a raw send needs: the envelope, and whether to ask for BODY=8BITMIME. */
export interface RawEnvelope {
  from: string;
  to: string;
  use8BitMime: boolean;
}

type ConnectionOptions = ConstructorParameters<typeof SMTPConnection>[0] & {
  auth?: { user?: string; pass?: string };
};

interface Pooled {
  connection: SMTPConnection;
  /** Set when the server closed it or it failed: never handed out again. */
  dead: boolean;
  /** The next message on this connection is already in wire form (see wireForm): no dot-stuffing pass. */
  wireReady: boolean;
  /** Where this connection's messages get their line-leading dots doubled, reused (one message at a time). */
  wireBuffer?: Buffer;
}

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;
const LINE_DOT = Buffer.from('\r\n.');

/**
 * `message` as it goes after DATA, or null when it has a bare CR or LF (nodemailer's DataStream then makes
 * them CRLF). DataStream walks every byte of every message in JavaScript (dot-stuffing, bare CR and LF made
 * CRLF): about 0.5 ms for a 57 KiB digest here, more than the rest of the send. Prebuilt messages are CRLF
 * throughout, so here a few hundred native `indexOf` calls (~0.05 ms) check that, and the lines that start with
 * a dot (an MJML digest has some: its CSS rules) get their extra dot by native copies into one new buffer.
 */
export function wireForm(message: Buffer, into?: Buffer): Buffer | null {
  let dots = message[0] === DOT ? 1 : 0;
  for (let i = message.indexOf(LF); i !== -1; i = message.indexOf(LF, i + 1)) {
    if (message[i - 1] !== CR) {
      return null;
    }
    if (message[i + 1] === DOT) {
      dots++;
    }
  }
  for (let i = message.indexOf(CR); i !== -1; i = message.indexOf(CR, i + 1)) {
    if (message[i + 1] !== LF) {
      return null;
    }
  }
  if (dots === 0) {
    return message;
  }
  const length = message.length + dots;
  // `into`: the connection's buffer, reused from one message to the next (its last message is written by now).
  // A new one has room for the next message to be a little larger still; the caller keeps it (`wire.buffer`).
  const out = (into && into.length >= length ? into : Buffer.allocUnsafeSlow(length + (length >> 3))).subarray(
    0,
    length,
  );
  let from = 0;
  let to = 0;
  if (message[0] === DOT) {
    out[to++] = DOT;
  }
  for (let i = message.indexOf(LINE_DOT); i !== -1; i = message.indexOf(LINE_DOT, i + 2)) {
    to += message.copy(out, to, from, i + 2);
    out[to++] = DOT;
    from = i + 2;
  }
  message.copy(out, to, from);
  return out;
}

/** nodemailer's DataStream (the DATA stream of SMTPConnection): its byte counts and last byte, read by its _flush. */
type DataStream = Transform & { inByteCount: number; outByteCount: number; lastByte: number | false };
type CreateSendStream = (this: SMTPConnection, callback: (err: Error | null, response?: string) => void) => DataStream;

/**
 * SMTPConnection's own factory of the DATA stream (internal to nodemailer, hence looked up rather than typed).
 * When a nodemailer release renames it, every message takes the usual path: slower, never wrong
 * (raw-smtp-pool.e2e-spec asserts the fast path is taken, so an upgrade that loses it is noticed).
 */
const createSendStream = (SMTPConnection.prototype as unknown as { _createSendStream?: CreateSendStream })
  ._createSendStream;

/** DataStream's transform for a message in wire form: the bytes as they are, counted as nodemailer counts them. */
function passThrough(this: DataStream, chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
  this.inByteCount += chunk.length;
  this.outByteCount += chunk.length;
  this.lastByte = chunk[chunk.length - 1];
  this.push(chunk);
  done();
}

/**
 * A pool of SMTP connections for finished messages: each message is one Buffer handed to nodemailer's
 * `SMTPConnection.send`, which writes it straight to the socket, with the end-of-data line (and dot-stuffing,
 * when the message needs it: wireForm). The
 * pooled transport (`sendMail({ raw })`) instead builds a message tree per message (random boundary) and pipes
 * the bytes through four streams first; at 600 messages a second that was most of the worker's time.
 *
 * Errors are nodemailer's own (code, responseCode, command), so SendOutcome classifies them as before. A
 * connection the server refused a message on (5xx/4xx at MAIL, RCPT or DATA) is reset and kept; any other
 * failure closes it, and the next message opens a new one.
 */
export class RawSmtpPool {
  private readonly idle: Pooled[] = [];
  private readonly waiting: Array<(pooled: Pooled | Error) => void> = [];
  private open = 0;
  private closed = false;
  /** Messages written as they were, with their line-leading dots doubled here, and through nodemailer's pass. */
  readonly written = { asIs: 0, dotsAdded: 0, byNodemailer: 0 };

  constructor(
    private readonly options: ConnectionOptions,
    private readonly size: number,
  ) {}

  /**
   * `beforeTransmit`, when given, is awaited once a connection is this message's and before a byte of it goes
   * out: the caller's back-pressure (DeliveryBatch bounds the messages the server may have that are not yet
   * recorded). It must not throw.
   */
  async send(envelope: RawEnvelope, raw: Buffer, beforeTransmit?: () => Promise<void>): Promise<{ response: string }> {
    const pooled = await this.acquire();
    if (beforeTransmit) {
      await beforeTransmit();
    }
    const wire = createSendStream ? wireForm(raw, pooled.wireBuffer) : null;
    if (wire && wire !== raw && wire.buffer !== pooled.wireBuffer?.buffer) {
      // wireForm grew a buffer for a larger message: the connection reuses the whole of it from now on.
      pooled.wireBuffer = Buffer.from(wire.buffer);
    }
    pooled.wireReady = wire !== null;
    this.written[wire === null ? 'byNodemailer' : wire === raw ? 'asIs' : 'dotsAdded']++;
    return new Promise((resolve, reject) => {
      pooled.connection.send(
        { from: envelope.from, to: [envelope.to], use8BitMime: envelope.use8BitMime },
        wire ?? raw,
        (err, info) => {
          if (!err) {
            this.release(pooled);
            resolve({ response: String(info?.response ?? '') });
            return;
          }
          reject(err);
          const e = err as { code?: string; responseCode?: number };
          if ((e.code === 'EENVELOPE' || e.code === 'EMESSAGE') && e.responseCode !== 421 && !pooled.dead) {
            // The server refused this message; the session itself is fine once reset.
            pooled.connection.reset((resetErr) => (resetErr ? this.discard(pooled) : this.release(pooled)));
          } else {
            this.discard(pooled);
          }
        },
      );
    });
  }

  close(): void {
    this.closed = true;
    this.idle.splice(0).forEach((p) => p.connection.quit());
    this.waiting.splice(0).forEach((w) => w(new Error('SMTP pool closed')));
  }

  private acquire(): Promise<Pooled> {
    if (this.closed) {
      return Promise.reject(new Error('SMTP pool closed'));
    }
    const ready = this.idle.pop();
    if (ready) {
      return Promise.resolve(ready);
    }
    if (this.open < this.size) {
      return this.connect();
    }
    return new Promise((resolve, reject) => this.waiting.push((p) => (p instanceof Error ? reject(p) : resolve(p))));
  }

  private release(pooled: Pooled): void {
    if (pooled.dead || this.closed) {
      this.discard(pooled);
      return;
    }
    const waiter = this.waiting.shift();
    if (waiter) {
      waiter(pooled);
    } else {
      this.idle.push(pooled);
    }
  }

  /** Closes a connection and lets the next waiter (if any) open a fresh one. */
  private discard(pooled: Pooled): void {
    const index = this.idle.indexOf(pooled);
    if (index >= 0) {
      this.idle.splice(index, 1);
    }
    if (!pooled.dead) {
      pooled.dead = true;
      pooled.connection.close();
    }
    this.open--;
    const waiter = this.waiting.shift();
    if (waiter) {
      this.connect().then(waiter, waiter);
    }
  }

  private connect(): Promise<Pooled> {
    this.open++;
    const connection = new SMTPConnection({ ...this.options, logger: false });
    const pooled: Pooled = { connection, dead: false, wireReady: false };
    if (createSendStream) {
      // The DATA stream is nodemailer's (its end-of-data line, byte counts and response handling); only its
      // per-byte pass is skipped for a message already in wire form.
      Object.defineProperty(connection, '_createSendStream', {
        value(this: SMTPConnection, callback: Parameters<CreateSendStream>[0]): DataStream {
          const stream = createSendStream.call(this, callback);
          if (pooled.wireReady) {
            pooled.wireReady = false;
            stream._transform = passThrough;
          }
          return stream;
        },
      });
    }
    return new Promise<Pooled>((resolve, reject) => {
      let ready = false;
      const fail = (err: Error) => {
        if (ready) {
          // Closed or broken while idle (a server's idle timeout): dropped from the pool, not used again.
          if (!pooled.dead) {
            pooled.dead = true;
            const index = this.idle.indexOf(pooled);
            if (index >= 0) {
              this.idle.splice(index, 1);
              this.open--;
            }
          }
          return;
        }
        ready = true;
        pooled.dead = true;
        this.open--;
        connection.close();
        reject(err);
      };
      connection.on('error', fail);
      connection.on('end', () => fail(new Error('connection closed')));
      connection.connect(() => {
        const { auth } = this.options;
        if (!auth?.user) {
          ready = true;
          resolve(pooled);
          return;
        }
        connection.login({ user: auth.user, pass: auth.pass ?? '' }, (err) => {
          if (err) {
            fail(err);
          } else {
            ready = true;
            resolve(pooled);
          }
        });
      });
    });
  }
}
